"""Where photo bytes live: a local folder (default) or an S3-compatible bucket (production).

Both are synchronous (boto3 is); callers use asyncio.to_thread. Keys are the sha256 name of
what the phone sent; "original" is the processed full image, "thumb" the ≤320 px JPEG.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal, Protocol

Kind = Literal["original", "thumb"]
KINDS: tuple[Kind, ...] = ("original", "thumb")


class MediaStore(Protocol):
    def put(self, kind: Kind, sha256: str, data: bytes, content_type: str) -> None: ...

    def get(self, kind: Kind, sha256: str) -> bytes | None: ...

    def exists(self, kind: Kind, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...


class LocalStore:
    """media_dir/<kind>/<ab>/<sha256>; written to a temp file and renamed, so readers never see
    half a file and concurrent writers of the same hash both end with one complete file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, kind: Kind, sha256: str) -> Path:
        return self.root / kind / sha256[:2] / sha256

    def put(self, kind: Kind, sha256: str, data: bytes, content_type: str) -> None:
        path = self._path(kind, sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, kind: Kind, sha256: str) -> bytes | None:
        try:
            return self._path(kind, sha256).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, kind: Kind, sha256: str) -> bool:
        return self._path(kind, sha256).is_file()

    def delete(self, sha256: str) -> None:
        for kind in KINDS:
            self._path(kind, sha256).unlink(missing_ok=True)


class S3Store:
    """An S3-compatible bucket (MinIO, Ceph, OSS/COS S3 endpoints). A PUT of one object is atomic."""

    def __init__(self, *, bucket: str, endpoint_url: str | None, access_key: str | None,
                 secret_key: str | None, region: str) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=32),
        )

    @staticmethod
    def _key(kind: Kind, sha256: str) -> str:
        return f"{kind}/{sha256[:2]}/{sha256}"

    def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def put(self, kind: Kind, sha256: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(kind, sha256), Body=data,
                               ContentType=content_type, CacheControl="private, max-age=31536000, immutable")

    def get(self, kind: Kind, sha256: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(kind, sha256))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def exists(self, kind: Kind, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(kind, sha256))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise

    def delete(self, sha256: str) -> None:
        for kind in KINDS:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(kind, sha256))


def store_from_settings(settings) -> MediaStore:
    if settings.media_backend == "s3":
        return S3Store(bucket=settings.s3_bucket, endpoint_url=settings.s3_endpoint_url,
                       access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                       region=settings.s3_region)
    return LocalStore(settings.media_dir)
