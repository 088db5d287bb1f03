"""The catalog API's contract: what the monolith answers, and so what the catalog service must."""
from __future__ import annotations

from tests.contract.contract import Contract, error
from tests.contract.data import CATEGORIES, PRODUCTS, category_json, product_json
from tests.contract.shapes import ANY, ISO_TIME, Each, Link, Nullable

__all__ = ["CATALOG"]

P = "/api/v1/catalog/products/"
C = "/api/v1/catalog/categories/"
PRODUCT = {"id": int, "name": str, "description": str, "price": str, "stock": int,
           "category": Nullable({"id": int, "name": str, "slug": str}), "created_at": ISO_TIME,
           "updated_at": ISO_TIME}
INVALID = "The request is invalid."


def _page(results, *, count, next=None, previous=None):
    return {"count": count, "next": next, "previous": previous, "results": results}


_by_price = sorted(PRODUCTS, key=lambda p: (-p["price"], p["id"]))
_by_name = sorted(PRODUCTS, key=lambda p: (p["name"], p["id"]))
_kitchen = [p for p in PRODUCTS if p["category"] and p["category"][2] == "kitchen"]
_tea = [p for p in PRODUCTS if "tea" in p["name"].lower()]

CATALOG: list[Contract] = [
    # Reads
    Contract("categories are listed by name", "GET", C, 200, [category_json(c) for c in CATEGORIES]),
    Contract("the first page links to the next", "GET", P, 200,
             _page([product_json(p) for p in PRODUCTS[:20]], count=45, next=Link(f"{P}?page=2"))),
    Contract("the last page links back without page=1", "GET", f"{P}?page=2&page_size=25", 200,
             _page([product_json(p) for p in PRODUCTS[25:]], count=45, previous=Link(f"{P}?page_size=25"))),
    Contract("a middle page links both ways with sorted parameters", "GET", f"{P}?page_size=10&page=2&ordering=id",
             200, _page([product_json(p) for p in PRODUCTS[10:20]], count=45,
                        next=Link(f"{P}?ordering=id&page=3&page_size=10"),
                        previous=Link(f"{P}?ordering=id&page_size=10"))),
    Contract("page=last is the last page", "GET", f"{P}?page=last&page_size=20", 200,
             _page(Each(PRODUCT, 5), count=45, previous=Link(f"{P}?page=2&page_size=20"))),
    Contract("page sizes above 100 are capped", "GET", f"{P}?page_size=1000", 200,
             _page(Each(PRODUCT, 45), count=45)),
    Contract("a bad page size falls back to 20", "GET", f"{P}?page_size=-4", 200,
             _page(Each(PRODUCT, 20), count=45, next=Link(f"{P}?page=2&page_size=-4"))),
    Contract("a page past the end is not found", "GET", f"{P}?page=9", 404,
             error("not_found", "Invalid page.", {})),
    Contract("a page that is not a number is not found", "GET", f"{P}?page=two", 404,
             error("not_found", "Invalid page.", {})),
    Contract("ordering by price, most expensive first, ties by id", "GET", f"{P}?ordering=-price&page_size=5",
             200, _page([product_json(p) for p in _by_price[:5]], count=45,
                        next=Link(f"{P}?ordering=-price&page=2&page_size=5"))),
    Contract("ordering by name", "GET", f"{P}?ordering=name&page_size=100", 200,
             _page([product_json(p) for p in _by_name], count=45)),
    Contract("an unknown ordering names the choices", "GET", f"{P}?ordering=stock", 400,
             error("bad_request", "Unknown ordering.", {"ordering": [
                 "Choose one of: id, -id, name, -name, price, -price, created_at, -created_at."]})),
    Contract("filtering by category", "GET", f"{P}?category=kitchen&page_size=100", 200,
             _page([product_json(p) for p in _kitchen], count=len(_kitchen))),
    Contract("search ignores case", "GET", f"{P}?search=TEA", 200,
             _page([product_json(p) for p in _tea], count=len(_tea))),
    Contract("search takes % and _ literally", "GET", f"{P}?search=%25", 200,
             _page([product_json(PRODUCTS[6])], count=1)),
    Contract("an invalid slug and a blank search are invalid input", "GET", f"{P}?category=no%20slug&search=%20",
             400, error("invalid_input", INVALID, {
                 "category": ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'],
                 "search": ["This field may not be blank."]})),
    Contract("a product in full", "GET", f"{P}11/", 200, product_json(PRODUCTS[10])),
    Contract("a product without a category", "GET", f"{P}45/", 200, product_json(PRODUCTS[44])),
    Contract("an unknown product", "GET", f"{P}999999/", 404, error("not_found", "No such product.", {})),
    Contract("a product id beyond any integer", "GET", f"{P}{2**70}/", 404,
             error("not_found", "No such product.", {})),
    Contract("a path that names nothing", "GET", f"{P}teapot/", 404, error("not_found", "No such resource.", {})),
    Contract("a path without its slash redirects", "GET", "/api/v1/catalog/products?page=2", 301,
             response_headers={"Location": f"{P}?page=2"}),
    Contract("links follow the proxy's forwarded host and scheme", "GET", P, 200,
             _page(Each(PRODUCT, 20), count=45, next="https://shop.example:8443/api/v1/catalog/products/?page=2"),
             headers={"X-Forwarded-Host": "shop.example:8443", "X-Forwarded-Proto": "https"}),
    Contract("JSON only", "GET", P, 406,
             error("not_acceptable", "Could not satisfy the request Accept header.", {}),
             headers={"Accept": "text/html"}),
    Contract("a bad token fails even a read", "GET", P, 401,
             error("invalid_token", "The access token is invalid or expired.", {}), auth="bad_token",
             response_headers={"WWW-Authenticate": "Bearer"}),
    Contract("OPTIONS describes the operation", "OPTIONS", P, 200,
             {"name": "Product List Api", "description": "", "renders": ["application/json"],
              "parses": ["application/json"]}, response_headers={"Allow": "GET, POST, HEAD, OPTIONS"}),
    # Writes, on the side that owns them
    Contract("anonymous writes need credentials", "POST", P, 401,
             error("not_authenticated", "Authentication credentials were not provided.", {}), json={}),
    Contract("customers may not write", "POST", P, 403,
             error("permission_denied", "You do not have permission to perform this action.", {}),
             auth="customer", json={"name": "Mug", "price": "1.00"}),
    Contract("staff create a product", "POST", P, 201,
             {**PRODUCT, "id": 46, "name": "Mug", "description": "", "price": "3.50", "stock": 4,
              "category": category_json(CATEGORIES[2])},
             auth="staff", json={"name": " Mug ", "price": 3.5, "stock": 4, "category_id": 3}),
    Contract("every field problem is named", "POST", P, 400, error("invalid_input", INVALID, {
        "name": ["This field is required."],
        "price": ["Ensure that there are no more than 2 decimal places."],
        "stock": ["Ensure this value is less than or equal to 1000000."],
        "category_id": ["A valid integer is required."]}),
        auth="staff", json={"price": "1.234", "stock": 10**7, "category_id": "three"}),
    Contract("a body that is not an object", "POST", P, 400, error("invalid_input", INVALID, {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}), auth="staff", json=[]),
    Contract("malformed JSON", "POST", P, 400,
             error("malformed_json", "JSON parse error - Expecting value: line 1 column 1 (char 0)", {}),
             auth="staff", raw=b"nope", content_type="application/json"),
    Contract("form posts are not JSON", "POST", P, 415,
             error("unsupported_media_type",
                   'Unsupported media type "application/x-www-form-urlencoded" in request.', {}),
             auth="staff", raw=b"name=Mug", content_type="application/x-www-form-urlencoded"),
    Contract("staff change a price", "PATCH", f"{P}3/", 200,
             {**product_json(PRODUCTS[2]), "price": "0.99", "updated_at": ISO_TIME},
             auth="staff", json={"price": "0.99"}),
    Contract("a full update needs every required field", "PUT", f"{P}3/", 400,
             error("invalid_input", INVALID, {"price": ["This field is required."]}),
             auth="staff", json={"name": "Skillet"}),
    Contract("moving a product to an unknown category", "PATCH", f"{P}3/", 404,
             error("not_found", "No such category.", {"category_id": ["does not exist"]}),
             auth="staff", json={"category_id": 99}),
    Contract("updating an unknown product", "PATCH", f"{P}999999/", 404,
             error("not_found", "No such product.", {}), auth="staff", json={"stock": 1}),
    Contract("staff delete a product", "DELETE", f"{P}5/", 204, auth="staff"),
    Contract("a collection cannot be deleted", "DELETE", P, 405,
             error("method_not_allowed", 'Method "DELETE" not allowed.', {}), auth="staff"),
    Contract("staff create a category", "POST", C, 201, {"id": 4, "name": "Toys", "slug": "toys"},
             auth="staff", json={"name": "Toys", "slug": "toys"}),
    Contract("category names and slugs are unique", "POST", C, 409,
             error("conflict", "A category with this name or slug exists.", {}),
             auth="staff", json={"name": "Other", "slug": "books"}),
    # Writes on the side that does not own them
    Contract("a valid write is refused where writes do not live", "POST", P, 403,
             error("writes_moved", ANY, {}),
             auth="staff", json={"name": "Mug", "price": "1.00"}, owner=False),
    Contract("input is still checked first where writes do not live", "PATCH", f"{P}3/", 400,
             error("invalid_input", INVALID, {"price": ["A valid number is required."]}),
             auth="staff", json={"price": "cheap"}, owner=False),
    Contract("deletes are refused where writes do not live", "DELETE", f"{P}5/", 403,
             error("writes_moved", ANY, {}), auth="staff", owner=False),
]
