def test_the_schema_is_openapi_3_and_lists_every_context(api, db):
    response = api.get("/api/schema/?format=json")

    schema = response.json()
    assert response.status_code == 200 and schema["openapi"].startswith("3.")
    for prefix in ("accounts", "catalog", "orders", "coupons", "notifications", "board"):
        assert any(p.startswith(f"/api/v1/{prefix}/") for p in schema["paths"]), prefix


def test_the_docs_page_is_served(api, db):
    response = api.get("/api/docs/")

    assert response.status_code == 200 and b"redoc" in response.content.lower()


def test_health_answers_ok(api, db):
    assert api.get("/healthz").json() == {"status": "ok", "service": "monolith"}
