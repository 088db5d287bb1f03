"""Catalog API: categories and products; writes are staff-only."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.catalog import selectors, services
from monolith.catalog.serializers import CategoryOutput, ProductOutput
from monolith.common.pagination import StandardPagination, paginate


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class CategoryListApi(APIView):
    permission_classes = [IsStaffOrReadOnly]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CategoryInput"

        name = serializers.CharField(max_length=80)
        slug = serializers.SlugField(max_length=80)

    @extend_schema(responses={200: CategoryOutput(many=True)})
    def get(self, request):
        return Response(CategoryOutput(selectors.category_list(), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CategoryOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.category_create(**data.validated_data)
        return Response(CategoryOutput(category).data, status=status.HTTP_201_CREATED)


class ProductInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    stock = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
    category_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ProductListApi(APIView):
    permission_classes = [IsStaffOrReadOnly]
    pagination_class = StandardPagination

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProductFilter"

        category = serializers.SlugField(required=False)
        search = serializers.CharField(required=False, max_length=100)
        ordering = serializers.CharField(required=False, max_length=20)

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, description="category slug"),
            OpenApiParameter("search", str, description="case-insensitive name search"),
            OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS)),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: ProductOutput(many=True)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        products = selectors.product_list(**filters.validated_data)
        return paginate(queryset=products, serializer_class=ProductOutput, request=request, view=self)

    @extend_schema(request=ProductInput, responses={201: ProductOutput})
    def post(self, request):
        data = ProductInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(**data.validated_data)
        return Response(ProductOutput(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(responses={200: ProductOutput})
    def get(self, request, product_id: int):
        return Response(ProductOutput(selectors.product_get(product_id=product_id)).data)

    @extend_schema(request=ProductInput, responses={200: ProductOutput})
    def put(self, request, product_id: int):
        data = ProductInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_update(product_id=product_id, **data.validated_data)
        return Response(ProductOutput(product).data)

    @extend_schema(request=ProductInput(partial=True), responses={200: ProductOutput})
    def patch(self, request, product_id: int):
        data = ProductInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product = services.product_update(product_id=product_id, **data.validated_data)
        return Response(ProductOutput(product).data)

    @extend_schema(responses={204: None})
    def delete(self, request, product_id: int):
        services.product_delete(product_id=product_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
