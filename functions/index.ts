// The Functions host loads this file (package.json "main"); each import registers one function.
import "./mappingsApi.js";
import "./scheduler.js";
import "./syncWorker.js";
import "./notifier.js";
import "./snapshotJanitor.js";
