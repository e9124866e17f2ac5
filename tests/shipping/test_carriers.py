"""Carriers: the presets and their tracking pages, the store's own carriers, and that one store can't use another's."""
import pytest
from flask_babel import force_locale

from saas.shipping import carriers
from saas.shipping import services as shipping


def test_the_presets_cover_indonesias_couriers_and_two_for_abroad():
    names = {code: preset.name for code, preset in carriers.PRESETS.items()}
    assert names == {"jne": "JNE", "jnt": "J&T Express", "sicepat": "SiCepat", "anteraja": "AnterAja",
                     "pos": "Pos Indonesia", "gosend": "GoSend", "grab": "GrabExpress", "dhl": "DHL Express",
                     "fedex": "FedEx"}
    assert [code for code, preset in carriers.PRESETS.items() if not preset.domestic] == ["dhl", "fedex"]
    for preset in carriers.PRESETS.values():
        assert preset.tracking_url == "" or (preset.tracking_url.startswith("https://")
                                             and "{number}" in preset.tracking_url)


@pytest.mark.parametrize("code, number, url", [
    ("jne", "CGK 123/45", "https://www.jne.co.id/tracking-package?awb=CGK%20123%2F45"),
    ("jnt", "JT0001", "https://jet.co.id/track?awb=JT0001"),
    ("fedex", "7712 3456", "https://www.fedex.com/fedextrack/?trknbr=7712%203456"),
    ("dhl", "1234567890", "https://www.dhl.com/id-en/home/tracking.html?tracking-id=1234567890&submit=1"),
    ("gosend", "GK-1", ""),  # GoSend shares a live link per delivery, not a page by number
    ("other", "X1", ""),
    ("jne", "", ""),
    ("kapal-api", "X1", ""),
    ("custom:abc", "X1", ""),
])
def test_tracking_urls(app, code, number, url):
    with app.app_context():
        assert carriers.tracking_url(code, number) == url


def test_the_stores_own_carriers_join_the_choices(create_store, ctx):
    store = create_store()
    with ctx(store.id) as session, force_locale("en"):
        own = shipping.save_carrier(None, name="Kurir Sari", tracking_url="https://kurir.example/lacak?resi={number}")
        session.commit()
        code = carriers.custom_code(own)
        assert code == f"custom:{own.id}"
        pairs = carriers.choices()
        assert pairs[:2] == [("jne", "JNE"), ("jnt", "J&T Express")]
        assert pairs[-2:] == [(code, "Kurir Sari"), ("other", "Other")]
        assert ("other", "Other") not in carriers.choices(other=False)
        assert carriers.is_known(code) and carriers.is_known("other") and not carriers.is_known("other", allow_other=False)
        assert carriers.carrier_name(code) == "Kurir Sari" and carriers.carrier_name("pos") == "Pos Indonesia"
        assert carriers.tracking_url(code, "KS 1") == "https://kurir.example/lacak?resi=KS%201"


def test_another_stores_carrier_is_unknown(create_store, ctx):
    mine, theirs = create_store(), create_store()
    with ctx(theirs.id) as session:
        code = carriers.custom_code(shipping.save_carrier(None, name="Kurir Lain",
                                                          tracking_url="https://lain.example/{number}"))
        session.commit()
    with ctx(mine.id):
        assert not carriers.is_known(code)
        assert carriers.carrier_name(code) == "" and carriers.tracking_url(code, "X1") == ""
        assert code not in dict(carriers.choices())
