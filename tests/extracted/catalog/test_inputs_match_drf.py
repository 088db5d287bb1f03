"""The service's input rules answer exactly what the monolith's DRF serializers answer."""
from decimal import Decimal

from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from extracted.catalog.api import CATEGORY_INPUT, PRODUCT_FILTER, PRODUCT_INPUT
from extracted.common.errors import InvalidInput
from monolith.catalog.apis import CategoryListApi, ProductInput, ProductListApi
from monolith.common.errors import _flatten

NUMBERISH = st.sampled_from(["0", "-0", "1", "1.0", "1.005", "12.50", " 7 ", "1e3", "1E-3", "NaN", "Infinity",
                             "99999999.99", "100000000", "0.001", "", "  ", "abc", "5.", ".5", "1_000",
                             "٣", "+4", "00012", "1" * 1001])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8), NUMBERISH,
                    st.text(alphabet=" \t\x00\ud800abc-_", max_size=4))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=2), st.dictionaries(st.text(max_size=3), SCALARS, max_size=2))
BODIES = st.one_of(
    st.dictionaries(st.sampled_from(["name", "description", "price", "stock", "category_id", "slug", "other"]),
                    VALUES, max_size=6),
    VALUES,
)


def _service(form, data, **kwargs):
    try:
        return True, form.validate(data, **kwargs)
    except InvalidInput as invalid:
        return False, invalid.details


def _drf(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    if serializer.is_valid():
        return True, dict(serializer.validated_data)
    return False, _flatten(serializer.errors)


def _same(ours, theirs):
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0]:
        assert {k: str(v) if isinstance(v, Decimal) else v for k, v in ours[1].items()} == \
            {k: str(v) if isinstance(v, Decimal) else v for k, v in theirs[1].items()}
    else:
        assert ours[1] == theirs[1]


@settings(max_examples=400, deadline=None)
@given(BODIES, st.booleans())
def test_product_input_is_judged_exactly_as_drf_judges_it(body, partial):
    _same(_service(PRODUCT_INPUT, body, partial=partial), _drf(ProductInput, body, partial=partial))


@settings(max_examples=200, deadline=None)
@given(BODIES)
def test_category_input_is_judged_exactly_as_drf_judges_it(body):
    _same(_service(CATEGORY_INPUT, body), _drf(CategoryListApi.InputSerializer, body))


QUERY_VALUES = st.one_of(st.text(max_size=6), st.sampled_from(["", " ", "kitchen", "a b", "x" * 101, "-price"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["category", "search", "ordering", "page"]), QUERY_VALUES),
                max_size=5))
def test_product_filters_read_query_parameters_as_drf_reads_them(pairs):
    query = QueryDict(mutable=True)
    for key, value in pairs:
        query.appendlist(key, value)
    try:
        ours = True, PRODUCT_FILTER.validate_query(MultiDict(pairs))
    except InvalidInput as invalid:
        ours = False, invalid.details

    _same(ours, _drf(ProductListApi.FilterSerializer, query))
