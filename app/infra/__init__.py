"""Infrastructure shared by every domain: mail, storage, uploads, captcha,
caches, exports, formatting, integrity and error pages."""
