"""The schema of rules/places.yaml: the islands and the kecamatan, with travel times and place names."""

from __future__ import annotations

from pydantic import Field, model_validator

from daemon.core.rules_schema import Strict


class Kecamatan(Strict):
    name: str
    island: str
    travel_minutes: int = Field(ge=0)
    aliases: list[str] = []
    places: list[str] = []


class PlacesFile(Strict):
    home_island: str
    islands: list[str]
    kecamatan: list[Kecamatan]

    @model_validator(mode="after")
    def _islands(self) -> PlacesFile:
        for k in self.kecamatan:
            if k.island not in self.islands:
                raise ValueError(f"kecamatan {k.name}: island '{k.island}' is not in 'islands'")
        if self.home_island not in self.islands:
            raise ValueError("home_island is not in 'islands'")
        return self
