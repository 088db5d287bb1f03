"""Output shapes of the catalog API; the extracted catalog service answers the same."""
from rest_framework import serializers


class CategoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class ProductOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    stock = serializers.IntegerField()
    category = CategoryOutput(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def product_snapshot(product) -> dict:
    """The product as ProductChanged carries it: the API shape plus its version."""
    data = dict(ProductOutput(product).data)
    data["category"] = dict(data["category"]) if data["category"] else None
    data["version"] = product.version
    return data
