"""Product images: staff upload one in the admin, the events carry its stored path, the shop shows it."""

import io
import re
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from commands.models import Event, Product
from queries.admin.product_images import MAX_IMAGE_BYTES
from queries.models import ProductView
from tests.factories import make_product
from tests.queries.admin_clients import last_event, messages_of, staff_client
from tests.queries.storefront_pages import project

pytestmark = pytest.mark.django_db(databases="__all__")
CATALOG = ("queries.view_productview", "commands.add_product", "commands.change_product")
CREATE_URL = reverse("admin:queries_productview_create")
STORED = re.compile(r"products/[0-9a-f]{32}\.(jpg|png|webp)")
PLACEHOLDER = "/static/img/product-placeholder.svg"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def picture(
    image_format: str = "PNG", name: str = "kettle.png", size: tuple[int, int] = (40, 30)
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def create(client: Client, image: SimpleUploadedFile | None = None, sku: str = "KETTLE-1"):  # type: ignore[no-untyped-def]
    form: dict[str, object] = {"sku": sku, "name": "Steel Kettle", "price": "24.50", "stock": "7"}
    if image is not None:
        form["image"] = image
    return client.post(CREATE_URL, form)


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def edit(client: Client, product_id: uuid.UUID, **fields: object):  # type: ignore[no-untyped-def]
    product = ProductView.objects.get(pk=product_id)
    form = {"name": product.name, "description": product.description, "price": str(product.price)}
    form |= {"expected_version": str(product.version), **fields}
    return client.post(reverse("admin:queries_productview_edit", args=[product_id]), form)


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (SimpleUploadedFile("kettle.png", b"not a picture at all", content_type="image/png"), "Upload a valid image"),
        (picture("GIF", "kettle.gif"), "GIF images are not accepted: upload a JPEG, PNG or WebP file."),
        (
            SimpleUploadedFile("huge.png", b"\0" * (MAX_IMAGE_BYTES + 1), content_type="image/png"),
            "The image is 2.0\xa0MB; at most 2 MiB is allowed.",
        ),
    ],
    ids=["not-an-image", "gif", "too-large"],
)
def test_a_bad_upload_is_a_form_error_that_writes_and_stores_nothing(media, upload, error):
    response = create(staff_client(*CATALOG), upload)
    assert response.status_code == 200
    errors = response.context["form"].errors["image"]
    assert any(error in message for message in errors), errors
    assert not Product.objects.exists() and not Event.objects.exists()
    assert stored_files(media) == []


def test_the_forms_send_their_files():
    html = staff_client(*CATALOG).get(CREATE_URL).content.decode()
    assert 'enctype="multipart/form-data"' in html and 'accept="image/jpeg,image/png,image/webp"' in html


@pytest.mark.parametrize(("image_format", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_an_upload_is_stored_and_product_created_carries_its_path(media, image_format, extension):
    response = create(staff_client(*CATALOG), picture(image_format, f"kettle.{extension}"))

    assert response.status_code == 302
    event = last_event()
    assert event.type == "ProductCreated"
    path = event.payload["image"]
    assert STORED.fullmatch(path) and path.endswith(f".{extension}")
    assert default_storage.exists(path) and Product.objects.get().image == path
    project()
    assert ProductView.objects.get().image == path


def test_a_refused_create_removes_the_stored_image(media):
    client = staff_client(*CATALOG)
    create(client, sku="TAKEN")
    response = create(client, picture(), sku="TAKEN")
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert stored_files(media) == []


def test_the_shop_shows_the_image_or_a_placeholder(media):
    client = staff_client(*CATALOG)
    create(client, picture("JPEG", "kettle.jpg"))
    plain = make_product(name="Plain Mug")
    project()
    kettle = ProductView.objects.get(sku="KETTLE-1")
    url = f"/media/{kettle.image}"

    catalog = Client().get("/").content.decode()
    detail = Client().get(f"/products/{kettle.pk}/").content.decode()
    plain_page = Client().get(f"/products/{plain}/").content.decode()

    assert f'class="product-image product-image-thumbnail" src="{url}" alt="Steel Kettle"' in catalog
    assert catalog.count(PLACEHOLDER) == 1  # the mug's card
    assert f'class="product-image product-image-large" src="{url}" alt="Steel Kettle"' in detail
    assert PLACEHOLDER in plain_page and 'alt="No picture yet"' in plain_page
    served = Client().get(url)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).format == "JPEG"  # type: ignore[attr-defined]
    outside = Client(raise_request_exception=False).get("/media/../config/settings/__init__.py")
    assert outside.status_code == 400 and b"SECRET_KEY" not in outside.content


def test_editing_replaces_or_removes_the_image(media):
    client = staff_client(*CATALOG)
    create(client)
    project()
    product = ProductView.objects.get()
    first = product.image

    assert edit(client, product.pk, image=picture("WEBP", "new.webp")).status_code == 302
    replaced = last_event().payload["changes"]
    assert list(replaced) == ["image"] and replaced["image"].endswith(".webp") and replaced["image"] != first
    project()
    assert ProductView.objects.get().image == replaced["image"]

    assert edit(client, product.pk, remove_image="on").status_code == 302
    assert last_event().payload["changes"] == {"image": ""}
    project()
    assert ProductView.objects.get().image == ""
    events = Event.objects.count()
    assert messages_of(edit(client, product.pk, remove_image="on"))[-1] == "Nothing changed."  # no image to remove
    assert Event.objects.count() == events


def test_uploading_and_removing_at_once_is_refused():
    client = staff_client(*CATALOG)
    create(client, picture())
    project()
    response = edit(client, ProductView.objects.get().pk, image=picture(), remove_image="on")
    assert response.status_code == 200 and "remove_image" in response.context["form"].errors


def test_replay_equals_live_with_images_without_and_from_before_images(media):
    client = staff_client(*CATALOG)
    create(client, picture(), sku="WITH")
    create(client, sku="WITHOUT")
    old = make_product(name="Recorded before images")
    created = Event.objects.get(aggregate_id=old, type="ProductCreated")
    created.payload = {key: value for key, value in created.payload.items() if key != "image"}
    created.save(update_fields=["payload"])  # an event as the log held it before this change
    edit(client, _live("WITH"), image=picture("JPEG", "b.jpg"))  # and a ProductUpdated with one
    project()
    live = dict(ProductView.objects.values_list("sku", "image"))

    call_command("rebuild_projections")
    call_command("verify_projections")  # raises on any difference from a fresh replay

    assert dict(ProductView.objects.values_list("sku", "image")) == live
    assert live["WITHOUT"] == "" and ProductView.objects.get(pk=old).image == ""
    assert STORED.fullmatch(live["WITH"]) and live["WITH"].endswith(".jpg")


def _live(sku: str) -> uuid.UUID:
    project()
    return ProductView.objects.get(sku=sku).pk


def test_the_api_document_has_an_absolute_image_url_or_null():
    client = staff_client(*CATALOG)
    create(client, picture(), sku="WITH")
    make_product(name="No image")
    project()
    documents = {item["name"]: item for item in APIClient().get("/api/v1/products/").json()["results"]}
    with_image = ProductView.objects.get(sku="WITH")
    assert documents["Steel Kettle"]["image_url"] == f"http://testserver/media/{with_image.image}"
    assert documents["No image"]["image_url"] is None


def test_a_product_without_an_image_records_no_image_field():
    create(staff_client(*CATALOG))
    assert "image" not in last_event().payload
