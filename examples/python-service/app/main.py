"""Inventory API: list and reserve stock items."""

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from app.db import cursor

app = FastAPI(title="inventory")


class Item(BaseModel):
    sku: str
    name: str
    quantity: int


class Reservation(BaseModel):
    quantity: int = Field(gt=0)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    with cursor() as cur:
        cur.execute("SELECT 1")
    return {"status": "ok"}


@app.get("/items", response_model=list[Item])
def list_items() -> list[dict]:
    with cursor() as cur:
        cur.execute("SELECT sku, name, quantity FROM items ORDER BY sku")
        return cur.fetchall()


@app.get("/items/{sku}", response_model=Item)
def get_item(sku: str) -> dict:
    with cursor() as cur:
        cur.execute("SELECT sku, name, quantity FROM items WHERE sku = %s", (sku,))
        row = cur.fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="unknown sku")
    return row


@app.post("/items/{sku}/reserve", response_model=Item)
def reserve(sku: str, reservation: Reservation) -> dict:
    with cursor() as cur:
        cur.execute(
            "UPDATE items SET quantity = quantity - %s"
            " WHERE sku = %s AND quantity >= %s"
            " RETURNING sku, name, quantity",
            (reservation.quantity, sku, reservation.quantity),
        )
        row = cur.fetchone()
    if row is None:
        raise HTTPException(status_code=409, detail="not enough stock or unknown sku")
    return row
