"""Photo storage: upload by sha256, validation, EXIF read-then-strip, thumbnails, local/S3 stores."""
