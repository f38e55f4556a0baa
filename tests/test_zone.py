"""The service center's time zone is one setting, checked when the app starts."""

import pytest

from server import create_app
from server.common import zone


def test_a_wrong_zone_name_stops_the_app_at_start_up(tmp_path):
    with pytest.raises(ValueError, match="SERVICE_TIMEZONE"):
        create_app({"SERVICE_TIMEZONE": "Mars/Olympus", "TESTING": True})


def test_unset_it_is_the_dealer_policys_default_zone(app):
    from server.dealers.policy import default_policy

    app.config["SERVICE_TIMEZONE"] = None
    with app.app_context():
        assert zone.service_zone().key == default_policy()["timezone"]
    app.config["SERVICE_TIMEZONE"] = "Asia/Urumqi"
    with app.app_context():
        assert zone.service_zone().key == "Asia/Urumqi"
