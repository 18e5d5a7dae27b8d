"""Money as a person reads it, one way everywhere (shift offers and pages, job pages, pay in
messages): "$1,900 CAD per day", "$250,000–$300,000 USD per year", "£650 per shift".

Dollars carry their currency code, since "$" alone is ambiguous between Canada and the US;
pounds and euros are not. Whole amounts show no cents."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

SYMBOLS = {"CAD": "$", "USD": "$", "AUD": "$", "NZD": "$", "GBP": "£", "EUR": "€"}
CODE_SHOWN = {"CAD", "USD", "AUD", "NZD"}  # "$" alone doesn't say which dollar


def _amount(value) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,.2f}"


def _with_symbol(value, currency: str) -> str:
    symbol = SYMBOLS.get(currency, "")
    text = _amount(value)
    if text.startswith("-"):
        return f"-{symbol}{text[1:]}"
    return f"{symbol}{text}"


def _tail(currency: str, per: str) -> str:
    code = currency if (currency in CODE_SHOWN or currency not in SYMBOLS) else ""
    return "".join(f" {part}" for part in (code, per) if part)


def money(amount, currency: str, per: str = "") -> str:
    """ "$1,900 CAD per day"; `per` is the unit's words ("per day"), or nothing."""
    currency = (currency or "").strip().upper()
    return f"{_with_symbol(amount, currency)}{_tail(currency, per)}"


def money_range(low, high, currency: str, per: str = "") -> str:
    """ "$250,000–$300,000 CAD per year"; one figure when only one end is known or both are
    the same; "" when neither is."""
    currency = (currency or "").strip().upper()
    if low is None and high is None:
        return ""
    if low is None or high is None or Decimal(str(low)) == Decimal(str(high)):
        return money(low if low is not None else high, currency, per)
    return f"{_with_symbol(low, currency)}–{_with_symbol(high, currency)}{_tail(currency, per)}"
