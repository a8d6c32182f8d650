import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, hashesEqual, keyHint } from "./api-keys.js";

describe("API keys", () => {
  it("are random and prefixed by role", () => {
    expect(generateApiKey("admin")).toMatch(/^hk_admin_[A-Za-z0-9_-]{32}$/);
    expect(generateApiKey("producer")).toMatch(/^hk_prod_/);
    expect(generateApiKey("partner")).toMatch(/^hk_part_/);
    expect(generateApiKey("admin")).not.toBe(generateApiKey("admin"));
  });

  it("hint at four random characters only, even when the random part holds underscores", () => {
    expect(keyHint("hk_part_ZsXILcpzLLabOVdgUkV3IEqYEh1C_r9U")).toBe("hk_part_ZsXI…");
    expect(keyHint("hk_admin_a_b_c_d_e_f_g_h")).toBe("hk_admin_a_b_…");
    for (let n = 0; n < 200; n++) {
      const key = generateApiKey("producer");
      expect(keyHint(key)).toHaveLength("hk_prod_".length + 5);
    }
  });

  it("compare by hash", () => {
    const key = generateApiKey("admin");
    expect(hashesEqual(hashApiKey(key), hashApiKey(key))).toBe(true);
    expect(hashesEqual(hashApiKey(key), hashApiKey(`${key}x`))).toBe(false);
    expect(hashesEqual(hashApiKey(key), "abcd")).toBe(false);
  });
});
