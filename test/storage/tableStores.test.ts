import { describe, expect, it } from "vitest";
import { ValidationError } from "../../shared/errors.js";
import { createTableStores } from "../../shared/storage/tableStores.js";
import { testTablesConnection, uniqueTablePrefix } from "../support/tables.js";

describe("table stores", () => {
  it("creates its tables on first use, even when several processes start at once", async () => {
    const tablePrefix = uniqueTablePrefix();
    const instances = Array.from({ length: 4 }, () => createTableStores({ connectionString: testTablesConnection() }, { tablePrefix }));
    await Promise.all(instances.map((stores) => stores.ping()));
    await Promise.all(instances.map((stores) => stores.ping()));
    expect((await instances[0]!.mappings.list()).items).toEqual([]);
  });

  it("shares data between two instances over the same tables", async () => {
    const tablePrefix = uniqueTablePrefix();
    const a = createTableStores({ connectionString: testTablesConnection() }, { tablePrefix, allowInsecureConnection: true });
    const b = createTableStores({ connectionString: testTablesConnection() }, { tablePrefix });
    await a.ledger.add("k", ["m1"]);
    expect(await b.ledger.list("k")).toEqual(new Set(["m1"]));
  });

  it("refuses a table prefix that is not a legal table name", () => {
    expect(() => createTableStores({ connectionString: testTablesConnection() }, { tablePrefix: "t-1" })).toThrow(ValidationError);
  });
});
