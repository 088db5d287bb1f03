from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.views import APIView

from monolith.common.pagination import StandardPagination, paginate
from monolith.coupons.selectors import coupon_list


class CouponOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    percent_off = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    used_at = serializers.DateTimeField(allow_null=True)


class CouponListApi(APIView):
    pagination_class = StandardPagination  # tells the schema the list is a page
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: CouponOutput(many=True)})
    def get(self, request):
        return paginate(queryset=coupon_list(user=request.user), serializer_class=CouponOutput,
                        request=request, view=self)
