// Placeholder replaced by the integration harness.
export default async function setup() {}
