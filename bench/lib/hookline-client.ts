// Setting up what a scenario needs through Hookline's public API, as an operator and a partner
// would: an application, a producer key, endpoints pointing at the bench receiver.

export type Tenant = { appId: string; producerKey: string };

export type HooklineClient = {
  createTenant(name: string): Promise<Tenant>;
  createEndpoint(appId: string, url: string, eventTypes?: string[]): Promise<string>;
};

export function hooklineClient(apiUrl: string, adminKey: string): HooklineClient {
  async function call<T>(method: string, path: string, body: unknown): Promise<T> {
    const response = await fetch(apiUrl + path, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
  return {
    async createTenant(name) {
      const app = await call<{ id: string }>("POST", "/v1/applications", { name });
      const key = await call<{ key: string }>("POST", "/v1/keys", {
        role: "producer",
        applicationId: app.id,
      });
      return { appId: app.id, producerKey: key.key };
    },
    async createEndpoint(appId, url, eventTypes) {
      const endpoint = await call<{ id: string }>("POST", `/v1/applications/${appId}/endpoints`, {
        url,
        ...(eventTypes ? { eventTypes } : {}),
      });
      return endpoint.id;
    },
  };
}
