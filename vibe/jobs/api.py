"""/api/v1 routes of the jobs feature."""

from fastapi import APIRouter

router = APIRouter(tags=["jobs"])
