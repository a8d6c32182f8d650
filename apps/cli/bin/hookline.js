#!/usr/bin/env node
// The `hookline` bin: runs the TypeScript entry through tsx (the sources are not built).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
