"""Product images from the admin: what may be uploaded, and where it is kept.

Pillow decodes every upload (through Django's ImageField), so a renamed file or a truncated picture is
refused, not stored. Files go through Django's storage API (`default_storage`): a bucket backend in
STORAGES replaces the filesystem without a change here. Events carry the stored path only.
"""

import uuid
from typing import Any

from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

MAX_IMAGE_BYTES = 2 * 1024 * 1024
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}  # Pillow's format name → the stored file's extension
UPLOAD_DIRECTORY = "products"


class ProductImageField(forms.ImageField):
    """A JPEG, PNG or WebP picture of at most 2 MiB."""

    widget = forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "JPEG, PNG or WebP, at most 2 MiB.")
        super().__init__(required=False, **kwargs)

    def to_python(self, data: Any) -> Any:
        if data and getattr(data, "size", 0) > MAX_IMAGE_BYTES:  # before decoding it at all
            raise forms.ValidationError(
                "The image is %(size)s; at most 2 MiB is allowed.",
                code="too_large",
                params={"size": filesizeformat(data.size)},
            )
        upload = super().to_python(data)  # Pillow opens and verifies it, else "Upload a valid image…"
        image_format = getattr(getattr(upload, "image", None), "format", None)  # ImageField sets .image
        if upload is not None and image_format not in EXTENSIONS:
            raise forms.ValidationError(
                "%(format)s images are not accepted: upload a JPEG, PNG or WebP file.",
                code="unsupported_format",
                params={"format": image_format},
            )
        return upload


def store_product_image(upload: UploadedFile) -> str:
    """Save an upload the field accepted under a fresh name; returns its path in the storage."""
    extension = EXTENSIONS[upload.image.format]  # type: ignore[attr-defined]  # set by ImageField
    return default_storage.save(f"{UPLOAD_DIRECTORY}/{uuid.uuid4().hex}.{extension}", upload)


def discard_product_image(path: str) -> None:
    """Remove a stored image no event refers to (its command was refused)."""
    default_storage.delete(path)
