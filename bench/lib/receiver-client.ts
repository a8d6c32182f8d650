// The runner's side of the bench receiver (bench/receiver/main.ts): counts, arrivals, hang control.

export type Arrival = [id: string, path: string, at: number];

export type ReceiverClient = {
  /** Base URL for healthy endpoints. */
  url: string;
  /** Base URL (another origin) for endpoints that hang. */
  hangUrl: string;
  count(): Promise<{ total: number; held: number }>;
  /** Arrivals since the last drain. */
  drain(): Promise<Arrival[]>;
  hang(): Promise<void>;
  release(): Promise<void>;
};

export function receiverClient(port: number, hangPort: number): ReceiverClient {
  const url = `http://127.0.0.1:${port}`;
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/_bench/${path}`);
    if (!response.ok) throw new Error(`receiver ${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    url,
    hangUrl: `http://127.0.0.1:${hangPort}`,
    count: () => get("count"),
    drain: () => get("drain"),
    hang: () => get("hang"),
    release: () => get("release"),
  };
}
