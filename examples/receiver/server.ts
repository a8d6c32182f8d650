// `WEBHOOK_SECRET=whsec_… PORT=3000 npx tsx examples/receiver/server.ts`: the example receiver.
import { createReceiverApp } from "./app.js";

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error("set WEBHOOK_SECRET to the endpoint's signing secret (whsec_…)");
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);

const { app } = createReceiverApp({
  secret,
  onEvent: (event) => {
    console.log(`${event.id}  ${event.payload.type}  ${JSON.stringify(event.payload.data)}`);
  },
});
app.listen(port, () => console.log(`Receiving webhooks at http://localhost:${port}/webhooks`));
