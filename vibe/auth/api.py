"""/api/v1 routes of the auth feature."""

from fastapi import APIRouter

router = APIRouter(tags=["auth"])
