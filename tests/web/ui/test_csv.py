"""CSV cells as the downloader's spreadsheet reads them: decimal comma and `;` in Italian, a
decimal point and `,` in English, formulas defused, UTF-8 with a BOM."""

from __future__ import annotations

from flask import Flask

from web.ui.csv_export import cell_text, csv_response


def test_italian_cells_use_a_decimal_comma_and_semicolons(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert [cell_text(v) for v in (12.5, 3.0, 7, "<5", None, "=1+1")] == [
            "12,5",
            "3",
            "7",
            "<5",
            "",
            "'=1+1",
        ]
        body = csv_response((["Gruppo", "Giorni"], [["Giovani (NEET)", 12.5]]), "x.csv").data
    assert body.decode("utf-8") == "\ufeffGruppo;Giorni\r\nGiovani (NEET);12,5\r\n"


def test_english_cells_use_a_decimal_point_and_commas(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert cell_text(12.5) == "12.5"
        body = csv_response((["Group", "Days"], [["Young people (NEET)", 12.5]]), "x.csv").data
    assert body.decode("utf-8") == "\ufeffGroup,Days\r\nYoung people (NEET),12.5\r\n"
