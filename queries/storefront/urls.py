from django.urls import path

from queries.storefront.views import account, cart, catalog, orders, payment

app_name = "storefront"

urlpatterns = [
    path("", catalog.catalog, name="catalog"),
    path("products/<uuid:product_id>/", catalog.product_detail, name="product"),
    path("cart/", cart.cart_detail, name="cart"),
    path("cart/<uuid:product_id>/add/", cart.cart_add, name="cart-add"),
    path("cart/<uuid:product_id>/quantity/", cart.cart_update, name="cart-update"),
    path("cart/<uuid:product_id>/remove/", cart.cart_remove, name="cart-remove"),
    path("checkout/", cart.checkout, name="checkout"),
    path("account/", account.account, name="account"),
    path("account/signup/", account.signup, name="signup"),
    path("account/login/", account.LoginView.as_view(), name="login"),
    path("account/logout/", account.LogoutView.as_view(), name="logout"),
    path("account/password/", account.PasswordChangeView.as_view(), name="password-change"),
    path("account/password/reset/", account.PasswordResetView.as_view(), name="password-reset"),
    path("account/password/reset/sent/", account.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "account/password/reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "account/password/reset/done/",
        account.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<uuid:order_id>/", orders.order_detail, name="order"),
    path("orders/<uuid:order_id>/cancel/", orders.order_cancel, name="order-cancel"),
    path("orders/<uuid:order_id>/pay/", payment.order_pay, name="order-pay"),
    path("orders/<uuid:order_id>/pay/submit/", payment.order_pay_submit, name="order-pay-submit"),
]
