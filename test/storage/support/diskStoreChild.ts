// A process (as serve is) that keeps the embedded store in the folder argv[2], writes one entity, and closes it.
import { TableClient } from "@azure/data-tables";
import { startEmbeddedAzurite } from "../../../shared/storage/embeddedAzurite.js";

const store = await startEmbeddedAzurite({ location: process.argv[2] ?? "" });
const table = TableClient.fromConnectionString(store.connectionString, "mappings", { allowInsecureConnection: true });
await table.createTable();
await table.upsertEntity({ partitionKey: "PS100020", rowKey: "group", device: "DESKTOP-0001" });
await store.close();
