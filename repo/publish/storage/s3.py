"""A repository in an S3 bucket (AWS or any S3-compatible server), through boto3.

Every write sends the SHA-1 of the body (``ChecksumAlgorithm=SHA1``), so the server
refuses a body that does not match, and stores the checksum, so a HEAD gives size and
SHA-1 without downloading. Every upload and copy is checked before it counts: against
the SHA-1 the server reports, in its answer, of the object it stored (one round trip
less than a HEAD), or with a HEAD when a server does not report it.
``put_if`` is a conditional PUT: ``If-Match`` on the ETag that was read, or
``If-None-Match: *`` to create. Transient failures are retried by botocore (standard
mode, with backoff); permanent ones become one ToolchainError line.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import io
from typing import BinaryIO, Collection

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from repo.errors import ToolchainError
from repo.publish.address import redact_url
from repo.publish.httpmeta import CHANNELS, http_meta
from repo.publish.storage import (
    CHUNK,
    SMALL_FILE_LIMIT,
    Conflict,
    Digesting,
    OnBytes,
    Stat,
    Tagged,
    VerificationFailed,
    check_stored,
    too_large,
)

_CHUNK = 1 << 20
_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict"}
_NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}
_PERMANENT = {
    "NoSuchBucket": "no such bucket",
    "AccessDenied": "access denied (check the credentials' permissions and the bucket policy)",
    "AllAccessDisabled": "access to this bucket is disabled",
    "403": "access denied (check the credentials' permissions and the bucket policy)",
    "InvalidAccessKeyId": "the server does not know this access key id (check the AWS credentials in use)",
    "SignatureDoesNotMatch": "the secret key does not match the access key id (check the AWS credentials in use)",
    "ExpiredToken": "the AWS credentials have expired",
    "InvalidToken": "the AWS session token is invalid",
    "InvalidBucketName": "invalid bucket name",
}


class S3Storage:
    def __init__(self, client, bucket: str, prefix: str = "", acl: str | None = None,
                 channel_folders: Collection[str] = CHANNELS):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.acl = acl
        self.channel_folders = channel_folders  # their packages are served as immutable

    def url(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}".rstrip("/")

    def _key(self, key: str) -> str:
        return self.prefix + key

    # --- reading ----------------------------------------------------------------------

    def get(self, key: str, limit: int = SMALL_FILE_LIMIT) -> bytes | None:
        found = self.read(key, limit)
        return None if found is None else found.data

    def read(self, key: str, limit: int = SMALL_FILE_LIMIT) -> Tagged | None:
        buffer = io.BytesIO()
        tag = self._stream(key, buffer, limit)
        return None if tag is None else Tagged(buffer.getvalue(), tag)

    def download(self, key: str, out: BinaryIO, limit: int) -> bool:
        return self._stream(key, out, limit) is not None

    def _stream(self, key: str, out: BinaryIO, limit: int) -> str | None:
        """Copy the object into ``out`` chunk by chunk; its ETag, or None when there is no such object."""
        with self._errors(key):
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if _code(exc) in _NOT_FOUND_CODES:
                    return None
                raise
            body = response["Body"]
            try:
                if response.get("ContentLength", 0) > limit:  # refused before reading a byte of it
                    raise too_large(limit, self.url(key))
                copied = 0
                for chunk in body.iter_chunks(CHUNK):
                    copied += len(chunk)
                    if copied > limit:  # the server sends more than it announced
                        raise too_large(limit, self.url(key))
                    out.write(chunk)
            finally:
                body.close()
            return response["ETag"]

    def stat(self, key: str) -> Stat | None:
        with self._errors(key):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key), ChecksumMode="ENABLED")
            except ClientError as exc:
                if _code(exc) in _NOT_FOUND_CODES:
                    return None
                raise
        checksum = head.get("ChecksumSHA1")
        if checksum is None:
            # Written by another tool without a SHA-1 checksum: hash the content instead.
            digesting = Digesting()
            return digesting.stat if self.download(key, digesting, head["ContentLength"]) else None
        return Stat(head["ContentLength"], base64.b64decode(checksum).hex())

    def list(self, folder: str) -> list[str]:
        prefix = self._key(folder.strip("/") + "/")
        names = []
        with self._errors(folder):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
                names += [obj["Key"][len(prefix):] for obj in page.get("Contents", [])]
        return sorted(n for n in names if n and not n.startswith("."))

    # --- writing ----------------------------------------------------------------------

    def put(self, key: str, data: bytes, on_bytes: OnBytes | None = None) -> None:
        body = _Reporting(data, on_bytes) if on_bytes else data
        with self._errors(key):
            answer = self.client.put_object(**self._write_args(key), Body=body, ContentLength=len(data),
                                            ChecksumAlgorithm="SHA1", ChecksumSHA1=_b64_sha1(data))
        self._check_answer(key, Stat.of(data), answer.get("ChecksumSHA1"))

    def put_if(self, key: str, data: bytes, tag: str | None) -> None:
        condition = {"IfNoneMatch": "*"} if tag is None else {"IfMatch": tag}
        with self._errors(key):
            try:
                self.client.put_object(**self._write_args(key), **condition, Body=data,
                                       ChecksumAlgorithm="SHA1", ChecksumSHA1=_b64_sha1(data))
            except ClientError as exc:
                if _code(exc) in _CONFLICT_CODES or _status(exc) in (409, 412):
                    raise Conflict(self.url(key)) from None
                raise

    def copy(self, source: str, key: str, expected: Stat) -> None:
        with self._errors(key):
            answer = self.client.copy_object(**self._write_args(key), MetadataDirective="REPLACE",
                                             ChecksumAlgorithm="SHA1",
                                             CopySource={"Bucket": self.bucket, "Key": self._key(source)})
        self._check_answer(key, expected, answer.get("CopyObjectResult", {}).get("ChecksumSHA1"))

    def _check_answer(self, key: str, expected: Stat, checksum: str | None) -> None:
        """Raise unless the SHA-1 the server reports for the object it stored is ``expected``'s (no report: a HEAD)."""
        if checksum is None:
            check_stored(self, key, expected)
        elif base64.b64decode(checksum).hex() != expected.sha1:
            raise VerificationFailed(f"verification failed: expected sha1 {expected.sha1}, but the server stored "
                                     f"sha1 {base64.b64decode(checksum).hex()}", self.url(key))

    def delete(self, key: str) -> None:
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def _write_args(self, key: str) -> dict:
        meta = http_meta(key, self.channel_folders)
        args = {"Bucket": self.bucket, "Key": self._key(key),
                "ContentType": meta.content_type, "CacheControl": meta.cache_control}
        if self.acl:
            args["ACL"] = self.acl
        return args

    # --- errors -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self, key: str):
        """Turn what boto3 raises into one line naming the object; never include credentials."""
        try:
            yield
        except ClientError as exc:
            code = _code(exc)
            where = f"s3://{self.bucket}" if code in ("NoSuchBucket", "InvalidBucketName") else self.url(key)
            reason = _PERMANENT.get(code) or f"S3 error {code}: {exc.response.get('Error', {}).get('Message', '')}"
            raise ToolchainError(reason.rstrip(": "), where) from None
        except (NoCredentialsError, PartialCredentialsError):
            raise ToolchainError("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                                 "or AWS_PROFILE, or use an instance role", self.url(key)) from None
        except (BotoConnectionError, HTTPClientError):
            raise ToolchainError(f"cannot reach the S3 endpoint {self.endpoint()} (gave up after retries)",
                                 self.url(key)) from None
        except BotoCoreError as exc:
            raise ToolchainError(f"S3 request failed: {type(exc).__name__}", self.url(key)) from None

    def endpoint(self) -> str:
        return redact_url(self.client.meta.endpoint_url)


class _Reporting(io.BytesIO):
    """A request body that reports how far it has been read."""

    def __init__(self, data: bytes, on_bytes: OnBytes):
        super().__init__(data)
        self._on_bytes = on_bytes

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self._on_bytes(self.tell())
        return chunk


def _b64_sha1(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode()


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int | None:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
