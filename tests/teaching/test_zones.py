"""A class's time zone: dates typed where the class meets are stored in UTC and shown back."""

from datetime import datetime

from quizapp.teaching.zones import in_zone, is_zone, to_utc, zone_label, zone_names


def test_a_wall_clock_time_round_trips_through_utc():
    friday = datetime(2026, 9, 11, 17, 0)
    stored = to_utc(friday, "Europe/London")
    assert stored == datetime(2026, 9, 11, 16, 0)  # summer time
    assert in_zone(stored, "Europe/London") == friday
    assert to_utc(datetime(2026, 12, 11, 17, 0), "Europe/London") == datetime(2026, 12, 11, 17)


def test_zone_names_and_labels():
    assert zone_names()[0] == "UTC" and "Asia/Shanghai" in zone_names()
    assert is_zone("Asia/Shanghai") and not is_zone("Mars/Olympus") and not is_zone("../etc")
    assert zone_label(datetime(2026, 9, 11, 16), "Europe/London") == "BST"
    assert zone_label(datetime(2026, 9, 11, 16), "America/Sao_Paulo") == "America/Sao_Paulo"
