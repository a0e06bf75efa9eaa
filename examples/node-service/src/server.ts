import express, { Request, Response } from "express";

interface Order {
  id: number;
  customer: string;
  totalCents: number;
  status: "open" | "shipped" | "cancelled";
}

const orders: Order[] = [
  { id: 1, customer: "ada@example.com", totalCents: 4599, status: "open" },
  { id: 2, customer: "grace@example.com", totalCents: 1250, status: "shipped" },
];

const app = express();
app.use(express.json());

app.get("/healthz", (_req: Request, res: Response) => {
  res.json({ status: "ok", uptime: process.uptime() });
});

app.get("/orders", (_req: Request, res: Response) => {
  res.json(orders);
});

app.get("/orders/:id", (req: Request, res: Response) => {
  const order = orders.find((o) => o.id === Number(req.params.id));
  if (!order) {
    res.status(404).json({ error: "order not found" });
    return;
  }
  res.json(order);
});

app.post("/orders", (req: Request, res: Response) => {
  const { customer, totalCents } = req.body ?? {};
  if (typeof customer !== "string" || typeof totalCents !== "number") {
    res.status(400).json({ error: "customer and totalCents are required" });
    return;
  }
  const order: Order = { id: orders.length + 1, customer, totalCents, status: "open" };
  orders.push(order);
  res.status(201).json(order);
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => {
  console.log(`orders-api listening on :${port}`);
});
