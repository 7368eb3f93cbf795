"""One cause repeated many times is one message with its count and the first few locations."""

from __future__ import annotations

from tests.conftest import Vozzo


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if ".yaml:" in line or ".csv:" in line]


def test_many_copies_of_one_number_are_one_message_with_the_count(vozzo: Vozzo) -> None:
    vozzo.campaign("dups", phones=["+919820012345"] * 1_000)
    result = vozzo.run("validate", "-f", "campaigns")
    assert result.code == 1
    [line] = error_lines(result.all)
    assert "+91******2345 is listed twice in this campaign" in line
    assert "999 times, also at lines " in line
    assert line.startswith("campaigns/dups.yaml:")
    assert "+919820012345" not in result.all


def test_many_bad_rows_of_a_csv_are_one_message(vozzo: Vozzo) -> None:
    vozzo.write("campaigns/leads.csv", "phone\n" + "12345\n" * 500)
    vozzo.campaign("csv", recipient_files=["leads.csv"])
    result = vozzo.run("validate", "-f", "campaigns")
    assert result.code == 1
    [line] = error_lines(result.all)
    assert line.startswith("campaigns/leads.csv:2:")
    assert "500 times, also at lines 3, 4, 5, …" in line


def test_a_few_problems_are_each_reported(vozzo: Vozzo) -> None:
    vozzo.campaign("dups", phones=["+919820012345"] * 4)
    result = vozzo.run("validate", "-f", "campaigns")
    assert result.code == 1
    lines = error_lines(result.all)
    assert len(lines) == 3
    assert all("times" not in line for line in lines)


def test_each_repeated_number_names_its_own_first_place(vozzo: Vozzo) -> None:
    vozzo.campaign("dups", phones=["+919820012345", "+919845023456"] * 2)
    result = vozzo.run("validate", "-f", "campaigns")
    assert result.code == 1
    assert sorted(line.split(": ", 1)[1] for line in error_lines(result.all)) == [
        "spec.recipients[2].phone: +91******2345 is listed twice in this campaign "
        "(first at campaigns/dups.yaml:15) (keep one of them)",
        "spec.recipients[3].phone: +91******3456 is listed twice in this campaign "
        "(first at campaigns/dups.yaml:18) (keep one of them)",
    ]
