"""Data the application loads: the demo (flask demo charger) and the volume data of the bench
(flask volume generer), never production data."""
