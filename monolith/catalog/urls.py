from django.urls import path

from monolith.catalog import apis

urlpatterns = [
    path("categories/", apis.CategoryListApi.as_view(), name="catalog-categories"),
    path("products/", apis.ProductListApi.as_view(), name="catalog-products"),
    path("products/<int:product_id>/", apis.ProductDetailApi.as_view(), name="catalog-product"),
]
