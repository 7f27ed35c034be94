"""/api/v1 routes of the projects feature."""

from fastapi import APIRouter

router = APIRouter(tags=["projects"])
