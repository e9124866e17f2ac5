def test_landing_page_invites_merchants_to_sign_up(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign up" in response.data or b"Daftar" in response.data
