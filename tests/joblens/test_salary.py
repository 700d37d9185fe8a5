"""salary: pay ranges from free text and structured fields, annualized, absurd values refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joblens.errors import ParseError
from joblens.normalize import salary


@pytest.mark.parametrize(
    ("text", "low", "high", "currency", "interval"),
    [
        ("$151K – $231K • Offers Equity • Multiple Ranges", 151_000, 231_000, "USD", None),
        ("CA$102.8K – CA$137K", 102_800, 137_000, "CAD", None),
        ("$90 - $150 /hour", 90, 150, "USD", "hour"),
        ("€60,000-75,000 per year", 60_000, 75_000, "EUR", "year"),
        ("£45k", 45_000, 45_000, "GBP", None),
        ("USD 120000-140000", 120_000, 140_000, "USD", None),
        ("120k–150k USD", 120_000, 150_000, "USD", None),
        ("$55/hr", 55, 55, "USD", "hour"),
        ("OTE $168K – $231K", 168_000, 231_000, "USD", None),
        ("50K Euros - 60K Euros per annum", 50_000, 60_000, "EUR", "year"),
        ("120-150k USD", 120_000, 150_000, "USD", None),
        ("Salary: 60.000 - 75.000 EUR", 60_000, 75_000, "EUR", None),
        ("$4,000 - $5,000 a month", 4_000, 5_000, "USD", "month"),
    ],
)
def test_parse_reads_common_pay_strings(
    text: str, low: float, high: float, currency: str, interval: str | None
) -> None:
    got = salary.parse(text)
    assert got is not None
    # The interval is what the text states; an unstated one is never reported, only
    # assumed for the annual figures (all of these are yearly-sized amounts).
    assert (got.min, got.max, got.currency, got.interval) == (low, high, currency, interval)
    assert got.assumed_interval == (None if interval else "year")
    assert got.raw == text


@pytest.mark.parametrize(
    ("text", "amount"),
    [("€4.500 brutto", 4_500), ("Salary: €4,500", 4_500), ("Gehalt 4.200 EUR", 4_200)],
)
def test_amounts_without_an_interval_in_the_thousands_are_monthly_pay(
    text: str, amount: float
) -> None:
    got = salary.parse(text)
    assert got is not None
    assert (got.min, got.currency, got.interval) == (amount, "EUR", None)
    assert got.assumed_interval == "month" and got.annual_min == amount * 12


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("$299", "hour"),
        ("$300", "month"),
        ("$20,000", "month"),
        ("$20,001", "year"),
        ("$13,000 - $25,000", "year"),  # the upper bound decides
    ],
)
def test_an_unwritten_interval_follows_the_size_of_the_amount(text: str, interval: str) -> None:
    got = salary.parse(text)
    assert got is not None and got.interval is None and got.assumed_interval == interval


def test_structured_fields_without_an_interval_follow_the_same_rule() -> None:
    got = salary.from_range(4500, 5500, "EUR", None)
    assert got is not None and (got.interval, got.assumed_interval) == (None, "month")
    assert (got.annual_min, got.annual_max) == (54_000, 66_000)
    found = salary.search("Wir bieten ein Gehalt von 4.200 EUR brutto und 30 Tage Urlaub.")
    assert found is not None and (found.min, found.assumed_interval) == (4_200, "month")


def test_hourly_pay_is_annualized_with_2080_hours() -> None:
    got = salary.parse("$90 - $150 /hour")
    assert got is not None
    assert (got.annual_min, got.annual_max) == (90 * 2080, 150 * 2080)


@pytest.mark.parametrize(
    "text",
    ["", None, "garbage", "401k match", "Founded in 2006, 4,700 customers", "3 < 5", "$1 a year"],
)
def test_parse_returns_none_when_there_is_no_believable_pay(text: str | None) -> None:
    assert salary.parse(text) is None


def test_strict_parse_says_why() -> None:
    with pytest.raises(ParseError, match="no pay amount"):
        salary.parse("competitive", strict=True)
    with pytest.raises(ParseError, match="believable"):
        salary.parse("$9,000,000,000 a year", strict=True)


def test_bare_dollar_takes_the_local_dollar_currency() -> None:
    got = salary.parse("$20/hour", default_currency="CAD")
    assert got is not None and got.currency == "CAD"
    euro = salary.parse("€20/hour", default_currency="CAD")
    assert euro is not None and euro.currency == "EUR"


def test_search_finds_pay_only_after_a_pay_word() -> None:
    text = (
        "Amplitude helps over 4,700 customers. AI agents find $4.6M in exploits.\n"
        "Personal learning budget of USD 2,000 per year.\n"
        "Annual Salary:\n$265,000—$365,000 USD"
    )
    got = salary.search(text)
    assert got is not None
    assert (got.min, got.max, got.currency) == (265_000, 365_000, "USD")
    assert salary.search("Competitive hourly rates, plus up to $2,500 in Summer Bonuses") is None
    assert salary.search("") is None


def test_from_range_accepts_numeric_strings_and_api_intervals() -> None:
    got = salary.from_range("60000", "75000", "EUR", "year")
    assert got is not None and (got.min, got.max, got.currency) == (60_000, 75_000, "EUR")
    for spelling, interval in [
        ("1 YEAR", "year"),
        ("yearly", "year"),
        ("hourly", "hour"),
        ("per-hour-wage", "hour"),
        ("per-year-salary", "year"),
        ("hour", "hour"),
        ("monthly", "month"),
    ]:
        assert salary.normalize_interval(spelling) == interval


def test_from_range_swaps_reversed_bounds_and_keeps_a_missing_one_open() -> None:
    got = salary.from_range(90_000, 70_000, "USD", "year")
    assert got is not None and (got.min, got.max) == (70_000, 90_000)
    one = salary.from_range(None, "80,000", "USD", "yearly")
    assert one is not None and (one.min, one.max, one.annual_max) == (None, 80_000, 80_000)


def test_from_range_refuses_missing_and_absurd_amounts() -> None:
    assert salary.from_range(None, None, "USD", "year") is None
    assert salary.from_range("n/a", "", "USD", "year") is None
    assert salary.from_range(5, 8, "USD", "year") is None  # $5 a year
    with pytest.raises(ParseError, match="salary"):
        salary.from_range(None, None, "USD", "year", strict=True)


def test_annualize_and_to_usd() -> None:
    assert salary.annualize(10, "day") == 2600
    assert salary.annualize(1000, "week") == 52_000
    assert salary.annualize(5000, "month") == 60_000
    with pytest.raises(ValueError, match="interval"):
        salary.annualize(1, "fortnight")
    cad = salary.to_usd(100_000, "CAD")
    assert cad is not None and 50_000 < cad < 100_000
    assert salary.to_usd(1, "XYZ") is None
    assert salary.to_usd(1, None) is None


@given(
    st.floats(min_value=1_000, max_value=1_000_000),
    st.floats(min_value=1_000, max_value=1_000_000),
    st.sampled_from(["USD", "EUR", "GBP", "CAD"]),
    st.sampled_from(["year", "month", "1 YEAR", "yearly"]),
)
def test_from_range_always_orders_min_le_max(
    a: float, b: float, currency: str, interval: str
) -> None:
    got = salary.from_range(a, b, currency, interval)
    if got is not None:
        assert got.min <= got.max
        assert got.annual_min <= got.annual_max


def test_currency_symbol_written_after_the_amount() -> None:
    found = salary.parse("45.000 € - 55.000 € brutto")
    assert found is not None
    assert (found.min, found.max, found.currency) == (45000.0, 55000.0, "EUR")
    in_text = salary.search("Gehalt: 3.500 € pro Monat, 30 Tage Urlaub")
    assert in_text is not None and in_text.currency == "EUR" and in_text.min == 3500.0


# -- the ways real postings write pay (issue list; each checked field by field) -----------
REAL_WAYS = [
    (r"\$70,000 \- \$90,000", (70_000, 90_000, "USD", None)),
    ("$80,000 and up to $120,000 per year", (80_000, 120_000, "USD", "year")),
    ("$50,000 -- $70,000", (50_000, 70_000, "USD", None)),
    ("35 000 - 45 000 Kč", (35_000, 45_000, "CZK", None)),
    ("70k - 90k", (70_000, 90_000, None, None)),
    ("€ 3.250,-", (3_250, 3_250, "EUR", None)),
    ("€2750,00 per month", (2_750, 2_750, "EUR", "month")),
    ("45.000 - 55.000 kr", (45_000, 55_000, None, None)),  # krona or krone: unknown
    ("NOK 600 000 per year", (600_000, 600_000, "NOK", "year")),
    ("SEK 40 000 / månad", (40_000, 40_000, "SEK", "month")),
    ("DKK 45.000 per måned", (45_000, 45_000, "DKK", "month")),
    ("₹12 LPA", (1_200_000, 1_200_000, "INR", "year")),
    ("8-12 lakh per annum", (800_000, 1_200_000, "INR", "year")),
    ("$45 per session", (45, 45, "USD", "session")),
    ("$60 per lesson", (60, 60, "USD", "lesson")),
    ("$3,000 per credit hour", (3_000, 3_000, "USD", "credit_hour")),
    ("$5,000 per project", (5_000, 5_000, "USD", "project")),
    ("Unpaid", (0, 0, None, None)),
    ("$2,000 referral bonus; salary $100,000 - $130,000", (100_000, 130_000, "USD", None)),
    # Open ranges: one end only, the other unknown (never copied across).
    ("Up to £40,000", (None, 40_000, "GBP", None)),
    ("From £11.44 per hour", (11.44, None, "GBP", "hour")),
    ("$150k+", (150_000, None, "USD", None)),
    ("starts at PHP 85,000+/month", (85_000, None, "PHP", "month")),
    # Extras on top of the pay do not make it a bonus.
    ("150,000 - 180,000 + bonus + benefits", (150_000, 180_000, None, None)),
    ("€100,000 to €800,000 plus bonuses", (100_000, 800_000, "EUR", None)),
    # A code beats a bare dollar sign; other scripts' symbols; Czech/Portuguese ranges.
    ("$190,000 - $240,000 cad plus equity", (190_000, 240_000, "CAD", None)),
    ("฿35,000 – ฿50,000 per month", (35_000, 50_000, "THB", "month")),
    ("60–200 tis. Kč", (60_000, 200_000, "CZK", None)),
    ("60 - 200 000 Kč / měsíc", (60_000, 200_000, "CZK", "month")),
    ("De R$ 2.001,00 a R$ 3.000,00", (2_001, 3_000, "BRL", None)),
    # The interval a few words later, after a slash, or on both ends of the range.
    ("inr 30k-120k fixed pay per month", (30_000, 120_000, "INR", "month")),
    ("$79,000 - $92,000/annually", (79_000, 92_000, "USD", "year")),
    ("Salary: $110,092 p.a. – $118,412 p.a.", (110_092, 118_412, "USD", "year")),
    ("**Hourly Rate** **with** **the Fire Guard License: $21.53**", (21.53, 21.53, "USD", "hour")),
]


def test_the_assumed_interval_reads_the_amount_in_dollars() -> None:
    # 120,000 rupees is about 1,400 USD: a month's pay, not a year's.
    rupees = salary.parse("INR 30k-120k")
    assert rupees is not None and rupees.assumed_interval == "month"
    dollars = salary.parse("$30k-$120k")
    assert dollars is not None and dollars.assumed_interval == "year"


@pytest.mark.parametrize(("text", "want"), REAL_WAYS)
def test_real_ways_of_writing_pay(
    text: str, want: tuple[float | None, float | None, str | None, str | None]
) -> None:
    got = salary.parse(text)
    assert got is not None, text
    assert (got.min, got.max, got.currency, got.interval) == want


def test_krona_takes_its_currency_from_the_country() -> None:
    got = salary.parse("45.000 - 55.000 kr", default_currency="SEK")
    assert got is not None and got.currency == "SEK"
    assert salary.parse("45.000 kr", default_currency="USD").currency is None  # type: ignore[union-attr]


def test_pay_per_piece_of_work_is_never_annualized() -> None:
    got = salary.parse("$45 per session")
    assert got is not None and (got.annual_min, got.annual_max) == (None, None)
    with pytest.raises(ValueError, match="interval"):
        salary.annualize(45, "session")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_salary_or_none(text: str) -> None:
    got = salary.parse(text)
    if got is None:
        return
    if got.min is not None and got.max is not None:
        assert got.min <= got.max
    assert got.interval is None or got.interval in salary.INTERVALS
    assert (got.interval is None) != (got.assumed_interval is None) or got.min == got.max == 0
    basis = got.interval or got.assumed_interval
    if basis in salary.PER_UNIT:
        assert got.annual_min is None and got.annual_max is None
    elif basis is not None:
        for amount, annual in ((got.min, got.annual_min), (got.max, got.annual_max)):
            assert (amount is None) == (annual is None)
            if amount is not None:
                assert annual == pytest.approx(salary.annualize(amount, basis))


@pytest.mark.parametrize(
    ("text", "low", "high", "currency", "interval"),
    [
        # A comma before one or two digits is a decimal comma, never a thousands comma.
        ("12,5 EUR per hour", 12.5, 12.5, "EUR", "hour"),
        ("€ 11,75 pro Stunde", 11.75, 11.75, "EUR", "hour"),
        # A gross/net word may stand between the amount and its interval.
        ("3.200 € brutto / Monat", 3_200, 3_200, "EUR", "month"),
        ("2500 zł netto/mies.", 2_500, 2_500, "PLN", "month"),
        ("£450 gross per day", 450, 450, "GBP", "day"),
        ("20 euro/netto/h", 20, 20, "EUR", "hour"),
        ("90 zł brutto za godz.", 90, 90, "PLN", "hour"),
        # An interval adjective of another language before the amount.
        ("salario mensual de 1.500 EUR", 1_500, 1_500, "EUR", "month"),
        ("wynagrodzenie roczne 96 000 zł", 96_000, 96_000, "PLN", "year"),
    ],
)
def test_parse_reads_continental_pay_strings(
    text: str, low: float, high: float, currency: str, interval: str | None
) -> None:
    got = salary.parse(text)
    assert got is not None
    assert (got.min, got.max, got.currency, got.interval) == (low, high, currency, interval)


def test_a_thousands_comma_is_not_read_as_a_decimal_comma() -> None:
    got = salary.parse("£25,500 - £28,750 per annum")
    assert got is not None and (got.min, got.max) == (25_500, 28_750)


def test_a_bracketed_starting_word_makes_the_amount_a_minimum() -> None:
    got = salary.parse("$22/hour (starting rate)")
    assert got is not None and (got.min, got.max, got.interval) == (22, None, "hour")


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("$95,000 + super", "AUD"),
        ("$40 per hour plus superannuation", "AUD"),
        ("$95,000 + bonus", "USD"),  # no hint: a bare dollar is read as USD
        ("55K - 70K for Germany", "EUR"),
        ("55K - 70K", None),
        ("£55K - £70K, Germany optional", "GBP"),  # a written mark beats a country name
    ],
)
def test_words_in_the_string_imply_the_currency(text: str, currency: str | None) -> None:
    got = salary.parse(text)
    assert got is not None and got.currency == currency


def test_a_grade_number_before_a_dash_is_not_the_minimum() -> None:
    got = salary.parse("Band 5 - $62,000 - $70,000 per year")
    assert got is not None and (got.min, got.max, got.interval) == (62_000, 70_000, "year")
    plain = salary.parse("10 - $15 per hour")
    assert plain is not None and (plain.min, plain.max) == (10, 15)


@pytest.mark.parametrize(
    ("text", "low", "high", "currency", "interval"),
    [
        # Local currency marks before the amount, and the dollar written after it.
        ("Rp4.500.000 – Rp6.000.000 per month", 4_500_000, 6_000_000, "IDR", "month"),
        ("RM 3,500 - RM 4,200 monthly", 3_500, 4_200, "MYR", "month"),
        ("720.00 US$ (Mensual)", 720, 720, "USD", "month"),
        ("22$/hour", 22, 22, "USD", "hour"),
        # Indian "/-" (no paise), also glued to the range's dash; "upto" in one word.
        ("Salary: 15,000/- upto 20,000/-", 15_000, 20_000, None, None),
        ("15,000/-20,000/- per month", 15_000, 20_000, None, "month"),
        # Portuguese and Spanish: "mil" is a thousand, "e" / "y" join a range.
        ("Salários de até R$ 5,2 mil", None, 5_200, "BRL", None),
        ("entre R$ 2.100,00 e R$ 3.400,50 por mês", 2_100, 3_400.5, "BRL", "month"),
        # Czech day, a card label glued to the interval, a bare interval noun.
        ("výdělek až 3 500 Kč/den", None, 3_500, "CZK", "day"),
        ("Pay $17.50 - $18.25 / hourBenefits", 17.5, 18.25, "USD", "hour"),
        ("Stipend: £4,000 year", 4_000, 4_000, "GBP", "year"),
        # German compounds name the interval; floors and "mindestens" leave the top open.
        ("Das Bruttojahresgehalt beträgt EUR 61.300", 61_300, 61_300, "EUR", "year"),
        ("Bruttomonatsgehalt ab EUR 2.800 (Vollzeit)", 2_800, None, "EUR", "month"),
        ("Stundenlohn 16,50 €", 16.5, 16.5, "EUR", "hour"),
        ("ein Jahresgehalt von mindestens EUR 58.000", 58_000, None, "EUR", "year"),
        (
            "Das Mindestgehalt laut KV beträgt 2.981,40 Euro brutto monatlich",
            2981.4,
            None,
            "EUR",
            "month",
        ),
        ("at least EUR 52,000.- gross per year", 52_000, None, "EUR", "year"),
        ("$65,000 - $72,000+ SUPER", 65_000, 72_000, "AUD", None),
        # Chinese, Taiwanese, Japanese and Vietnamese boards: 万/千/W multipliers, 元 and 円,
        # the interval before the amount (月薪) or after a slash (/年), 以上 leaves it open.
        ("1.5-2.5万·13薪", 15_000, 25_000, "CNY", None),
        ("6千-1.2万/月", 6_000, 12_000, "CNY", "month"),
        ("年薪本科：20-30W", 200_000, 300_000, "CNY", "year"),
        ("年収500万～800万", 5_000_000, 8_000_000, "JPY", "year"),
        ("時薪185~200元", 185, 200, "TWD", "hour"),
        ("月薪50,000元以上", 50_000, None, "CNY", "month"),
        ("時給1,150円～1,300円", 1_150, 1_300, "JPY", "hour"),
        ("Từ 15 triệu", 15_000_000, None, "VND", None),
        ("Lương upto 30.000.000 VNĐ/tháng", None, 30_000_000, "VND", "month"),
        # Polish and Ukrainian boards: od/від ... do/до, zł/зл, a gross/net word makes pay.
        ("від 4100 до 4600 зл нетто", 4_100, 4_600, "PLN", None),
        ("ok 5800 brutto", 5_800, 5_800, None, None),
        # A bare amount that is the whole field is pay; unknown currencies may be large.
        ("72,500", 72_500, 72_500, None, None),
        ("Income: 25M - 40M/month", 25_000_000, 40_000_000, None, "month"),
        ("soit 1 950.40 € brut mensuel", 1_950.4, 1_950.4, "EUR", "month"),
        ("$280+ a day", 280, None, "USD", "day"),
        # Gross words in brackets before the interval, pay words of other languages.
        ("R$ 2.300,00 (Bruto mensal)", 2_300, 2_300, "BRL", "month"),
        ("2100 €/mensuales", 2_100, 2_100, "EUR", "month"),
        ("Salário: 4.200,00 - Vale Refeição", 4_200, 4_200, None, None),
        ("연봉 52,000,000원", 52_000_000, 52_000_000, "KRW", "year"),
        ("à partir de 9,50DH par heure", 9.5, None, "MAD", "hour"),
        ("40k MAX", None, 40_000, None, None),
        ("$88,000 - $95,500 a year8 hour shift", 88_000, 95_500, "USD", "year"),
        ("$98,000-104,000, + 11.5% super", 98_000, 104_000, "AUD", None),
        ("2\\.5 LPA \\- 6 LPA", 250_000, 600_000, "INR", "year"),
        # Roubles and rand, UK day rates, comparison signs, a code before a dollar sign.
        ("от 55 000 ₽ на руки", 55_000, None, "RUB", None),
        ("R9,500, – R12,000, depending on experience", 9_500, 12_000, "ZAR", None),
        ("R 1,350.00 per month - Stipend", 1_350, 1_350, "ZAR", "month"),
        ("400 - 475 pd Inside IR35", 400, 475, None, "day"),
        ("<=160k", None, 160_000, None, None),
        ("Up to 72,000 plus 15% bonus", None, 72_000, None, None),
        ("Approx. NZD $4,100/month", 4_100, 4_100, "NZD", "month"),
        ("Looking for $95,000+", 95_000, None, "USD", None),  # "for" is no currency code
        ("$58,400 to $66,020.5YEAR annually", 58_400, 66_020.5, "USD", "year"),
        ("OTE: 30K-40K (US) Annually", 30_000, 40_000, None, "year"),
        ("Coef : 400 soit 2 045.20€ brut mensuel", 2_045.2, 2_045.2, "EUR", "month"),
        # UTF-8 read as Windows-1252 on the way: "â‚¬" is "€".
        ("â‚¬18.50 - â‚¬21.00/hour", 18.5, 21, "EUR", "hour"),
    ],
)
def test_pay_as_boards_around_the_world_write_it(
    text: str, low: float | None, high: float | None, currency: str | None, interval: str | None
) -> None:
    got = salary.parse(text)
    assert got is not None, text
    assert (got.min, got.max, got.currency, got.interval) == (low, high, currency, interval)


def test_a_bonus_is_never_the_pay() -> None:
    both = salary.parse("Referral bonus $1,000; salary $80,000 - $90,000")
    assert both is not None and (both.min, both.max) == (80_000, 90_000)
    assert salary.parse("$5,000 signing bonus") is None
    assert salary.parse("$10,000 relocation allowance") is None


@pytest.mark.parametrize(
    "text",
    ["2025", "Starting 2025", "Contract until 2026", "until 31.12.2025", "Up to 3,500 employees"],
)
def test_years_dates_and_head_counts_are_not_pay(text: str) -> None:
    assert salary.parse(text) is None


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("€35.000 e 14 mensilità", 35_000, "EUR"),
        ("$80,000 y 15 días de vacaciones", 80_000, "USD"),
        ("R$ 3.000,00 e 13º salário", 3_000, "BRL"),
    ],
)
def test_a_smaller_number_after_a_joining_word_is_a_count_not_the_top(
    text: str, amount: float, currency: str
) -> None:
    got = salary.parse(text)
    assert got is not None and (got.min, got.max, got.currency) == (amount, amount, currency)


@pytest.mark.parametrize(
    ("text", "interval"), [("Rs 20,000", "month"), ("KSh 30,000", "month"), ("1,200円", "hour")]
)
def test_thousands_of_a_currency_worth_little_are_a_month(text: str, interval: str) -> None:
    got = salary.parse(text)
    assert got is not None and got.interval is None and got.assumed_interval == interval


def test_descriptions_find_pay_in_the_new_currency_marks() -> None:
    got = salary.search("Salary: ₦200,000 per month, paid on the 25th.")
    assert got is not None and (got.min, got.currency, got.interval) == (200_000, "NGN", "month")


def test_hours_of_work_are_not_pay() -> None:
    got = salary.parse("Bolsa para 30 horas por semana: R$ 1.500,00 a R$ 2.000,00")
    assert got is not None and (got.min, got.max, got.currency) == (1_500, 2_000, "BRL")
    assert salary.parse("40 hours per week") is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("₹ 1,75,000 - 6,00,000 P.A. ", (175_000, 600_000, "INR", "year")),  # Indian grouping
        ("Salary : 2.5 lacks to 6.5 lacks", (250_000, 650_000, "INR", None)),  # misspelt lakh
        ("₹ 1,001 - 1,501 /month", (1_001, 1_501, "INR", "month")),  # an intern's stipend
        ("18.000.000 VNĐ - 28.000.000 VNĐ một tháng", (18e6, 28e6, "VND", "month")),
        ("R33 333.00 - R35 167.00 Per Month", (33_333, 35_167, "ZAR", "month")),
        ("Salary: ¬£65,000 ‚Äì ¬£75,000", (65_000, 75_000, "GBP", None)),  # read as Mac Roman
        ("Competitive day rate of £500 - £510 (Inside IR35).", (500, 510, "GBP", "day")),
        ("~$2000/month to $15000/month ++", (2_000, 15_000, "USD", "month")),
        ("Less than 75,000", (None, 75_000, None, None)),
    ],
)
def test_pay_as_real_boards_of_india_vietnam_south_africa_and_the_uk_write_it(
    text: str, want: tuple[float | None, float | None, str | None, str | None]
) -> None:
    got = salary.parse(text)
    assert got is not None and (got.min, got.max, got.currency, got.interval) == want


def test_a_stated_minimum_later_in_the_sentence_leaves_the_top_open() -> None:
    got = salary.parse("Mindestens liegt das Jahresbruttogehalt bei EUR 43.000 (Vollzeit).")
    assert got is not None and (got.min, got.max, got.currency) == (43_000, None, "EUR")
