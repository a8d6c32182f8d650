// Encryption at rest for endpoint secrets: AES-256-GCM under a master key from config.
// Ciphertext text is `v1.<keyId>.<iv>.<tag>.<data>` (base64url parts); keyId names which master key
// sealed it, so the master key can rotate: new writes use the current key, old rows still open
// with a retired key until they are re-sealed.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  /** `current` seals; `retired` only open. Each key is 32 bytes. */
  constructor(current: Buffer, retired: readonly Buffer[] = []) {
    for (const key of [current, ...retired]) {
      if (key.length !== 32) throw new Error("encryption keys must be 32 bytes");
      this.keys.set(keyId(key), key);
    }
    this.current = { id: keyId(current), key: current };
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((part) => part.toString("base64url"));
    return ["v1", this.current.id, ...parts].join(".");
  }

  open(sealed: string): string {
    const [version, id, iv, tag, data] = sealed.split(".");
    if (version !== "v1" || !id || !iv || !tag || data === undefined) throw new Error("not a sealed secret");
    const key = this.keys.get(id);
    if (!key) throw new Error(`sealed with an unknown encryption key (${id})`);
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  }

  /** True when `sealed` was made with a retired key and should be re-sealed. */
  isStale(sealed: string): boolean {
    return sealed.split(".")[1] !== this.current.id;
  }
}

/** A short public fingerprint of a key, so ciphertexts can name their key without revealing it. */
function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 8);
}
