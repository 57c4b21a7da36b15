"""The currencies a project's budget and costs may be kept in: ISO 4217's active codes.

The list lives here, not behind a network call. It leaves out the fund codes (BOV, CHE, …),
precious metals, SDRs and the testing codes (X…): nobody pays a supplier in them. When ISO
withdraws or adds a currency, edit ACTIVE_CODES.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

# As of 2026: BGN left with Bulgaria's move to the euro, ANG gave way to XCG, ZWL to ZWG,
# SLL to SLE, CUC and HRK are gone.
ACTIVE_CODES = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
    MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
    RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW
    ZWG
    """.split()  # noqa: SIM905 (a table of codes reads better as text)
)


def currency_code(typed: str | None) -> str:
    """`typed` as an active ISO 4217 code, trimmed and upper-cased ("eur " → "EUR"); a
    ValidationError naming `currency` otherwise."""
    code = (typed or "").strip().upper()
    if code not in ACTIVE_CODES:
        shown = (typed or "").strip()
        raise ValidationError(
            {
                "currency": f"“{shown}” is not an ISO 4217 currency code: use the three "
                "letters of a currency in use, such as EUR, USD or GBP."
            }
        )
    return code
