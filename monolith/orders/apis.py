"""Orders API: place, list and read my orders, cancel."""
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.common.pagination import StandardPagination, paginate
from monolith.orders import selectors, services


class OrderItemOutput(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)


class OrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    items = OrderItemOutput(many=True, source="items.all")
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    coupon_code = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrderListApi(APIView):
    pagination_class = StandardPagination  # tells the schema the list is a page
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OrderPlaceInput"

        class ItemSerializer(serializers.Serializer):
            class Meta:
                ref_name = "OrderPlaceItem"

            product_id = serializers.IntegerField(min_value=1, max_value=2**53)
            quantity = serializers.IntegerField(min_value=1, max_value=100)

        items = ItemSerializer(many=True, allow_empty=False, max_length=services.MAX_LINES)
        coupon_code = serializers.CharField(required=False, allow_blank=True, max_length=32)

    @extend_schema(responses={200: OrderOutput(many=True)})
    def get(self, request):
        return paginate(queryset=selectors.order_list(user=request.user), serializer_class=OrderOutput,
                        request=request, view=self)

    @extend_schema(request=InputSerializer, responses={201: OrderOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_place(user=request.user, **data.validated_data)
        return Response(OrderOutput(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: OrderOutput})
    def get(self, request, order_id: int):
        return Response(OrderOutput(selectors.order_get(user=request.user, order_id=order_id)).data)


class OrderCancelApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: OrderOutput})
    def post(self, request, order_id: int):
        order = services.order_cancel(user=request.user, order_id=order_id)
        return Response(OrderOutput(order).data)
