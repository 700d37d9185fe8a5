"""location.parse: one place from the many ways boards spell it; unknown places keep raw."""

from __future__ import annotations

import pytest

from joblens.normalize.location import haversine_km, parse


@pytest.mark.parametrize(
    "text", ["Toronto, ON, CA", "Toronto, Ontario, Canada", "Midtown Toronto", "Toronto"]
)
def test_one_city_spelled_many_ways_is_one_place(text: str) -> None:
    got = parse(text)
    assert (got.city, got.region, got.country) == ("Toronto", "ON", "CA")
    assert got.lat is not None and got.lon is not None
    assert got.raw == text


@pytest.mark.parametrize(
    ("text", "country", "mode"),
    [
        ("Remote (US)", "US", "remote"),
        ("UK - Remote", "GB", "remote"),
        ("Remote, US", "US", "remote"),
        ("Germany/Remote", "DE", "remote"),
        ("Work from anywhere", None, "remote"),
        ("Work from home", None, "remote"),
    ],
)
def test_remote_words_give_work_mode_and_keep_the_country(
    text: str, country: str | None, mode: str
) -> None:
    got = parse(text)
    assert (got.city, got.country, got.work_mode) == (None, country, mode)


def test_hybrid_with_a_city() -> None:
    got = parse("Hybrid - London")
    assert (got.city, got.country, got.work_mode) == ("London", "GB", "hybrid")


def test_region_next_to_the_city_picks_among_same_named_cities() -> None:
    assert parse("London").country == "GB"
    assert (parse("London, ON").country, parse("London, ON").region) == ("CA", "ON")
    assert parse("Cambridge, MA, USA").region == "MA"


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("NYC", "New York City"),
        ("New York, NY (HQ)", "New York City"),
        ("SF", "San Francisco"),
        ("Bay Area", "San Francisco"),
        ("San Fransisco", "San Francisco"),
        ("Greater London area", "London"),
        ("Bangalore, India", "Bengaluru"),
        ("Washington, D.C.", "Washington"),
    ],
)
def test_aliases_and_typos_resolve_to_the_canonical_city(text: str, city: str) -> None:
    assert parse(text).city == city


def test_multi_location_string_gives_the_first_resolvable_place() -> None:
    assert parse("San Francisco, CA | New York City, NY").city == "San Francisco"
    assert parse("London; Stockholm").city == "London"
    assert parse("Nowhereville; Stockholm").city == "Stockholm"


@pytest.mark.parametrize(
    ("text", "region", "country"),
    [
        ("CA, US", "CA", "US"),
        ("Ontario, CAN", "ON", "CA"),
        ("United States", None, "US"),
        ("USA", None, "US"),
        ("Deutschland", None, "DE"),
        ("Canada", None, "CA"),
    ],
)
def test_region_and_country_without_a_city(text: str, region: str | None, country: str) -> None:
    got = parse(text)
    assert (got.city, got.region, got.country) == (None, region, country)


def test_unknown_place_keeps_raw_and_has_no_city() -> None:
    got = parse("Atlantis Prime")
    assert got.raw == "Atlantis Prime"
    assert (got.city, got.country, got.lat) == (None, None, None)
    empty = parse(None)
    assert empty.raw is None and empty.city is None


def test_a_small_town_does_not_become_a_big_city_in_another_country() -> None:
    got = parse("London, OH, USA")  # London, Ohio is below the index's population cut
    assert (got.city, got.region, got.country) == ("London", "OH", "US")
    assert got.lat is None and got.lon is None  # kept as written, not London, England


def test_structured_workplace_type_beats_text_and_is_remote() -> None:
    assert parse("Toronto, Ontario", workplace_type="Hybrid", is_remote=True).work_mode == "hybrid"
    assert parse("London", workplace_type="OnSite").work_mode == "onsite"
    assert parse("Remote (US)", is_remote=False).work_mode == "remote"
    assert parse("Austin, TX", is_remote=True).work_mode == "remote"
    assert parse("Austin, TX").work_mode is None


def test_country_hint_breaks_ties() -> None:
    assert parse("London", country_hint="CA").country == "CA"
    assert parse("Canada", country_hint="Canada").country == "CA"


def test_haversine_km() -> None:
    assert haversine_km(0, 0, 0, 0) == 0
    toronto, london = parse("Toronto"), parse("London, UK")
    assert toronto.lat is not None and toronto.lon is not None
    assert london.lat is not None and london.lon is not None
    assert 5600 < haversine_km(toronto.lat, toronto.lon, london.lat, london.lon) < 5800


def test_work_mode_stated_in_a_description() -> None:
    from joblens.normalize.location import work_mode_in_text

    assert work_mode_in_text("This role is hybrid, with 2-3 days a week in our office.") == "hybrid"
    assert work_mode_in_text("This is a fully remote role: work from anywhere.") == "remote"
    assert work_mode_in_text("This role is based on-site at our Berlin office.") == "onsite"
    assert work_mode_in_text("We build remote-control toys.") is None
    assert work_mode_in_text(None) is None


def test_a_list_of_countries_is_not_a_place_in_the_last_one() -> None:
    """Remotive's candidate_required_location lists where one may live."""
    assert parse("USA, Canada, Argentina, Mexico, Peru").country == "US"
    assert parse("Netherlands, Belgium").country == "NL"
    assert parse("Americas, Europe, Israel").country is None
    assert parse("Ontario, Canada").region == "ON"  # a region then its country is one place


def test_preferred_next_to_a_city_does_not_hide_it() -> None:
    for text in ("San Francisco Preferred", "San Francisco (preferred)"):
        place = parse(text)
        assert (place.city, place.region, place.country) == ("San Francisco", "CA", "US")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Chennai, TN, IN", ("Chennai", "TN", "IN")),
        ("TN, IN", (None, "TN", "IN")),  # Tamil Nadu, India: not Tennessee, Indiana
        ("Utrecht, UT, NL", ("Utrecht", "UT", "NL")),
        ("UT, NL", (None, "UT", "NL")),
        ("Quebec, CA", (None, "QC", "CA")),  # the province
        ("Amsterdam, NH, NL", ("Amsterdam", "NH", "NL")),
        # No subdivision "Sharon" in Canada: California; the small town keeps its name.
        ("Sharon, CA", ("Sharon", "CA", "US")),
        ("Paris, FR", ("Paris", None, "FR")),
        ("Utrecht, NL", ("Utrecht", None, "NL")),  # the city, not the province
        ("Madrid, ES", ("Madrid", None, "ES")),
        ("New York, US", ("New York City", "NY", "US")),
        ("London, ON, CA", ("London", "ON", "CA")),
    ],
)
def test_places_read_right_to_left_with_the_country_deciding_the_region(
    text: str, want: tuple[str | None, str | None, str | None]
) -> None:
    got = parse(text)
    assert (got.city, got.region, got.country) == want


def test_remote_in_a_title_or_a_location_line_sets_the_work_mode() -> None:
    from joblens.normalize.location import work_mode_in_text, work_mode_in_title

    assert work_mode_in_title("Senior Data Engineer (Remote)") == "remote"
    assert work_mode_in_title("Hybrid - Financial Analyst") == "hybrid"
    assert work_mode_in_title("Remote Sensing Scientist") is None  # a field, not a mode
    assert work_mode_in_title("Backend Engineer") is None
    assert work_mode_in_text("About us\nLocation: Remote\nWe build") == "remote"
    assert work_mode_in_text("Work type: Hybrid (3 days)") == "hybrid"
    assert work_mode_in_text("Our remote tools team ships daily.") is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Denver Colorado", ("Denver", "CO", "US")),
        ("Seattle WA", ("Seattle", "WA", "US")),
        ("Buffalo New York", ("Buffalo", "NY", "US")),
        ("Paris France", ("Paris", None, "FR")),
        ("Perth WA", ("Perth", None, "AU")),  # Western Australia: no Perth in Washington
        ("Darwin NT", ("Darwin", None, "AU")),
    ],
)
def test_a_region_or_country_written_without_a_comma(
    text: str, want: tuple[str | None, str | None, str | None]
) -> None:
    got = parse(text)
    assert (got.city, got.region, got.country) == want


@pytest.mark.parametrize(
    ("text", "city", "country"),
    [
        ("Madrid-Spain", "Madrid", "ES"),
        ("Curitiba - PR", "Curitiba", "BR"),  # Paraná, not Puerto Rico
        ("Porto Alegre - RS (2)", "Porto Alegre", "BR"),  # "(2)": openings, not a place
    ],
)
def test_hyphen_joined_city_and_its_country_or_state(text: str, city: str, country: str) -> None:
    got = parse(text)
    assert (got.city, got.country) == (city, country)


@pytest.mark.parametrize(
    ("text", "city", "country", "mode"),
    [
        ("Remote in Portugal", None, "PT", "remote"),
        ("Hybrid in Lyon", "Lyon", "FR", "hybrid"),
        ("Based in Oslo, Norway", "Oslo", "NO", None),
        ("Location: Munich", "Munich", "DE", None),
        ("Anywhere in the US", None, "US", "remote"),
        ("Onsite in Denver, CO", "Denver", "US", "onsite"),
        ("Berlin - No Remote", "Berlin", "DE", "onsite"),
        ("Worldwide", None, None, None),  # where one may live, not how one works
    ],
)
def test_leading_phrases_and_mode_words_around_the_place(
    text: str, city: str | None, country: str | None, mode: str | None
) -> None:
    got = parse(text)
    assert (got.city, got.country, got.work_mode) == (city, country, mode)


def test_places_joined_by_and_ampersand_or_slash_are_all_kept() -> None:
    got = parse("Boston, MA and Denver, CO")
    assert [(p.city, p.region) for p in got.places] == [("Boston", "MA"), ("Denver", "CO")]
    assert (got.city, got.region, got.country) == ("Boston", "MA", "US")
    assert [p.city for p in parse("Oslo &amp; Bergen").places] == ["Oslo", "Bergen"]
    assert [p.city for p in parse("Berlin/Munich").places] == ["Berlin", "Munich"]
    assert [p.country for p in parse("USA, Canada, Mexico").places] == ["US", "CA", "MX"]
    # "and" inside a name is not a join; nor is one that leaves a side naming nothing
    assert [p.country for p in parse("Trinidad and Tobago").places] == ["TT"]
    assert parse("Newcastle upon Tyne").country == "GB"


def test_the_first_place_is_the_primary_one_even_without_a_city() -> None:
    got = parse("Remote (US) or on site in Denver, CO")
    assert (got.city, got.country, got.work_mode) == (None, "US", "remote")
    assert [p.city for p in got.places] == [None, "Denver"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("80331 München", ("Munich", None, "DE")),
        ("Manchester M1 1AE", ("Manchester", None, "GB")),
        ("Chicago, IL 60601", ("Chicago", "IL", "US")),
        ("Hauptstrasse 5, 8001 Zürich", ("Zürich", None, "CH")),
        ("221B Baker Street, London NW1 6XE", ("London", None, "GB")),
        ("Suite 300, 500 Boylston St, Boston, MA 02116", ("Boston", "MA", "US")),
        ("Dublin 2, Ireland", ("Dublin", None, "IE")),  # a postal district number
    ],
)
def test_postcodes_and_street_lines_are_not_places(
    text: str, want: tuple[str | None, str | None, str | None]
) -> None:
    got = parse(text)
    assert (got.city, got.region, got.country) == want


@pytest.mark.parametrize(
    ("text", "want", "placed"),
    [
        # Towns of 1,000 to 15,000 people: the gazetteer's name and coordinates.
        ("Bar Harbor, ME", ("Bar Harbor", "ME", "US"), True),
        ("Tofino, BC", ("Tofino", "BC", "CA"), True),
        ("Bourton-on-the-Water, ENG, GB", ("Bourton on the Water", "ENG", "GB"), True),
        ("Raleigh-Durham, NC", ("Raleigh", "NC", "US"), True),  # a metro: its first city
        # A village the gazetteer lacks keeps its written name, without coordinates.
        ("Shere, Surrey", ("Shere", "SRY", "GB"), False),  # the county, not Surrey, BC
    ],
)
def test_a_small_town_is_placed_and_one_the_gazetteer_lacks_keeps_its_name(
    text: str, want: tuple[str | None, str | None, str | None], placed: bool
) -> None:
    got = parse(text)
    assert (got.city, got.region, got.country) == want
    assert (got.lat is not None) == placed


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Alderley Edge", ("Alderley Edge", "GB")),  # a town alone, found among the small
        ("Кромы", ("Kromy", "RU")),  # by its name in its own script
        ("California", (None, "US")),  # the state, not California, Maryland
        ("Jalisco - Híbrido", (None, "MX")),  # the Mexican state, not a town so named
        ("Haram, Giza, Egypt", ("Giza", "EG")),  # a district named like a town, then its city
        ("(Gəncə)", ("Ganja", "AZ")),  # a spelling accent-folding cannot reach
    ],
)
def test_small_towns_never_shadow_regions_or_the_city_after_them(
    text: str, want: tuple[str | None, str | None]
) -> None:
    got = parse(text)
    assert (got.city, got.country) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Heartland Scenic StudioOmaha, NE 68110", ("Omaha", "US", None)),
        ("rachelg@tpstalent.comSanta Clara, CA", ("Santa Clara", "US", None)),
        ("Baltimore, MD (On-site in the office 3 days per week)", ("Baltimore", "US", "hybrid")),
        ("(удаленно)", (None, None, "remote")),
        ("at Mohali", ("Mohali", "IN", None)),
        ("Bengaluru&Pune", ("Bengaluru", "IN", None)),
        ("Pretoria CBD", ("Pretoria", "ZA", None)),
        ("Onsite or Remote (FR, NL, UK, DE)", (None, "FR", "remote")),  # a list: the first
    ],
)
def test_scraped_cells_glue_and_phrasing(
    text: str, want: tuple[str | None, str | None, str | None]
) -> None:
    got = parse(text)
    assert (got.city, got.country, got.work_mode) == want


@pytest.mark.parametrize(
    "text", ["Atlantis Prime", "Multiple locations", "South East", "Field based - Midlands"]
)
def test_words_that_are_not_towns_are_never_kept_as_a_city(text: str) -> None:
    assert parse(text).city is None
    assert parse("Multiple locations, US").city is None
    assert parse("South East, UK").country == "GB"


@pytest.mark.parametrize(
    ("text", "country"),
    [("Niemcy", "DE"), ("Allemagne", "DE"), ("Rakousko", "AT"), ("Espanha", "ES")],
)
def test_country_names_in_other_languages(text: str, country: str) -> None:
    got = parse(text)
    assert (got.city, got.country) == (None, country)
    assert parse("Wien, Österreich").country == "AT"


def test_a_district_written_before_its_city_gives_the_city() -> None:
    assert parse("Shoreditch, London").city == "London"
    assert parse("Kowloon Bay, Hong Kong").city == "Hong Kong"
    assert parse("Whitefield, Bangalore").city == "Bengaluru"
    got = parse("Salt Lake, Kolkata, West Bengal")  # a locality, not Salt Lake City
    assert (got.city, got.country) == ("Kolkata", "IN")
    assert parse("Kolkata, Pune").country == "IN"  # a list of cities, not a district


def test_anywhere_alone_says_where_not_how() -> None:
    got = parse("Anywhere")
    assert (got.city, got.country, got.work_mode) == (None, None, None)
    assert parse("Anywhere, U.S. / Remote").work_mode == "remote"


@pytest.mark.parametrize(
    ("text", "city", "country"),
    [
        ("東京都渋谷区", "Tokyo", "JP"),  # Tokyo, Shibuya ward
        ("[勤務地] 東京都港区 ⁄ 六本木駅（徒歩2分）", "Tokyo", "JP"),
        ("台北市大安區", "Taipei", "TW"),  # Taipei City, Da'an District
        ("高雄市", "Kaohsiung", "TW"),
    ],
)
def test_chinese_and_japanese_addresses_open_with_their_city(
    text: str, city: str, country: str
) -> None:
    got = parse(text)
    assert (got.city, got.country) == (city, country)


@pytest.mark.parametrize(
    ("text", "city", "country"),
    [
        ("Rio de Janeiro e Região", "Rio de Janeiro", "BR"),  # LinkedIn Brazil metro label
        ("Jakarta Selatan", "Jakarta", "ID"),  # South Jakarta
        ("Surabaya Timur", "Surabaya", "ID"),
        ("Houston Metroplex", "Houston", "US"),
    ],
)
def test_area_words_around_a_city_are_dropped(text: str, city: str, country: str) -> None:
    got = parse(text)
    assert (got.city, got.country) == (city, country)


@pytest.mark.parametrize(
    ("text", "city", "region"),
    [
        ("Minneapolis-St. Paul Metropolitan Area", "Minneapolis", "MN"),
        ("Raleigh-Durham", "Raleigh", "NC"),
        ("Dallas-Fort Worth, TX", "Dallas", "TX"),
    ],
)
def test_a_hyphenated_twin_city_area_gives_its_first_city(
    text: str, city: str, region: str
) -> None:
    got = parse(text)
    assert (got.city, got.region, got.country) == (city, region, "US")
    assert parse("Winston-Salem, NC").city == "Winston-Salem"  # one city, kept whole


@pytest.mark.parametrize(
    ("text", "city", "country", "mode"),
    [
        # HTML line breaks list places; the last line's state is not a country.
        ("Remote in USA<br/>Texas</br>Plano, TX", None, "US", "remote"),
        # Work modes in the boards' languages; part-time remote is hybrid.
        ("Brno / příležitostně z domova", "Brno", "CZ", "hybrid"),
        ("Hamburg, teilweise Home-Office", "Hamburg", "DE", "hybrid"),
        ("Ostrava / osobně", "Ostrava", "CZ", "onsite"),
        ("Kraków, praca zdalna", "Kraków", "PL", "remote"),
        ("Lyon / 60% remote", "Lyon", "FR", "hybrid"),
        # A town near a city takes that city's country; districts and surroundings.
        ("Unterföhring bei München", "Unterföhring", "DE", None),
        ("Brno–Královo Pole", "Brno", "CZ", None),
        ("Praha 9 a okolí", "Prague", "CZ", None),
        ("Celá Česká republika", None, "CZ", None),
        # The gazetteer's local spelling is reported in English; both are read.
        ("Köln", "Cologne", "DE", None),
        ("UK Only", None, "GB", None),
        ("Anywhere in the World", None, None, None),
        # Indeed's "+N locations" and labels glued to the mode; Japanese and Korean modes.
        ("Texas+12 locations•Remote", None, "US", "remote"),
        ("Data ITRemote", None, None, "remote"),
        ("在宅OK in 東京都", "Tokyo", "JP", "remote"),
        # Administrative endings and genitives people do not write; "in" in other languages.
        ("성남시 분당구", "Seongnam", "KR", None),
        ("Uppsala kommun", "Uppsala", "SE", None),
        ("Malmös stad", "Malmö", "SE", None),
        ("Poste basé à Lyon (69)", "Lyon", "FR", None),
        ("75011 Paris 11e", "Paris", "FR", None),
        # A country first, then its city; a region named with its word.
        ("Canada, BC, Surrey", "Surrey", "CA", None),
        ("Woerden, Provincie Utrecht", "Woerden", "NL", None),
        ("Outside Germany", None, None, None),
        # Workday's country-region-city codes; city nicknames of job boards.
        ("US-TX-AUSTIN-500 ~ 500 Congress Ave ~ AUSTIN", "Austin", "US", None),
        ("SLC Metro Area", "Salt Lake City", "US", None),
        # A French town and its département number; a state named before its country.
        ("Grenoble (38)", "Grenoble", "FR", None),
        ("Villefranche-de-Lauragais - 31", "Villefranche-de-Lauragais", "FR", None),
        ("Oklahoma, United States", None, "US", None),
        # Reviewed: "X City" with an area word, full names before "...", IR35.
        ("Kansas City Metro", "Kansas City", "US", None),
        ("London...", "London", "GB", None),
        ("Outside IR35 - London", "London", "GB", None),
        ("The Hamptons", None, None, None),
    ],
)
def test_places_and_modes_as_boards_of_many_countries_write_them(
    text: str, city: str | None, country: str | None, mode: str | None
) -> None:
    got = parse(text)
    assert (got.city, got.country, got.work_mode) == (city, country, mode)


def test_a_street_line_is_dropped_before_its_number_is_read_as_a_postcode() -> None:
    got = parse("1200 Peachtree Highway, Loganville, GA 30052")
    assert (got.city, got.region, got.country) == ("Loganville", "GA", "US")


def test_us_places_listed_without_separators_are_each_kept() -> None:
    got = parse("Armonk, NY Austin, TX Durham, NC")
    assert [(p.city, p.region) for p in got.places] == [
        ("Armonk", "NY"),
        ("Austin", "TX"),
        ("Durham", "NC"),
    ]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Full Stack Developer II (Remote, In-Office, or Hybrid)", "remote"),  # on offer
        ("Hybrid remote in Tampa, FL", "hybrid"),
        ("gewünscht: 3 Tage pro Woche vor Ort beim Kunden", "hybrid"),
        ("Remote in Remote", "remote"),
    ],
)
def test_the_work_mode_when_several_are_named(text: str, want: str) -> None:
    got = parse(text)
    assert got.work_mode == want
    assert got.country is None or text.startswith("Hybrid")  # "in" alone is not India


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Bombay/Mumbai", [("Mumbai", "IN")]),  # two names of one city
        (
            "Graz oder Wien oder Linz",
            [("Graz", "AT"), ("Vienna", "AT"), ("Linz", "AT")],
        ),
        ("(Saudi Arabia- Tabuk)", [("Tabuk", "SA")]),
        ("Inside Sales Associate  Richmond, VA  120k", [("Richmond", "US")]),
        ("AI Researcher (100% Remote - India)", [(None, "IN")]),  # a job, not a town
    ],
)
def test_lists_alternates_and_cells_that_carry_more_than_the_place(
    text: str, want: list[tuple[str | None, str]]
) -> None:
    got = parse(text)
    assert [(p.city, p.country) for p in got.places] == want
