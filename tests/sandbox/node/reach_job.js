// A REACH vendor's whole job through Kaltura's official Node client (npm `kaltura-client`, JSON):
// app-token session -> getJobs -> task get (reach_vendor profile) -> entry and flavors -> media bytes
// -> PROCESSING -> caption asset + upload token + setContent -> READY -> the vendor sees READY.
//
// Usage: node reach_job.js '<json config>' with serviceUrl, partnerId, appTokenId, appToken, taskId.
// Prints one JSON document: every API call as sent on the wire (body) and as answered (raw text),
// plus what the job saw. tests/sandbox/test_node_client.py runs it and replays the calls in format=3.
'use strict';

const crypto = require('crypto');
const kaltura = require('kaltura-client');

const config = JSON.parse(process.argv[2]);
const SRT = '1\n00:00:00,000 --> 00:00:02,500\nCaptions make every lecture easier to follow.\n';

const kconfig = new kaltura.Configuration();
kconfig.serviceUrl = config.serviceUrl;
kconfig.setLogger({ log() {}, debug() {}, error() {} }); // quiet: stdout carries the report only
const client = new kaltura.Client(kconfig);

// Record every call as it crosses the wire: the request body and the answer's raw text.
const calls = [];
let current = null;
client.axios.interceptors.request.use((request) => {
  if (typeof request.data === 'string') {
    current.body = JSON.parse(request.data);
  } else {
    // multipart: the "json" part carries the parameters; the file parts are listed by the step
    const text = Buffer.from(request.data).toString('latin1');
    const start = text.indexOf('name="json"') + 'name="json"'.length + 4;
    current.body = JSON.parse(text.slice(start, text.indexOf('\r\n--', start)));
  }
  current.path = request.url.slice(config.serviceUrl.length);
  return request;
});
client.axios.defaults.transformResponse = [
  (data) => {
    current.raw = data;
    try {
      return JSON.parse(data);
    } catch (err) {
      return data;
    }
  },
];

async function call(name, builder, ks, options = {}) {
  current = { name, files: options.files || null };
  calls.push(current);
  client.setKs(ks || null);
  try {
    const result = await builder.execute(client);
    if (options.error) throw new Error(`${name}: expected an error, got ${JSON.stringify(result)}`);
    return result;
  } catch (err) {
    if (options.error && err && err.objectType === 'KalturaAPIException') return err;
    throw err;
  }
}

async function main() {
  const { services, objects, enums } = kaltura;
  const facts = {};

  // 1. the vendor's session: widget KS, then the app token with a lowercase SHA256 hash
  await call('ping', services.system.ping());
  const widget = await call('widget session', services.session.startWidgetSession(`_${config.partnerId}`, 86400));
  const tokenHash = crypto.createHash('sha256').update(widget.ks + config.appToken).digest('hex');
  const session = await call(
    'app-token session',
    services.appToken.startSession(config.appTokenId, tokenHash, '', enums.SessionType.ADMIN, 86400),
    widget.ks,
  );
  const vendorKs = session.ks;
  const token = await call('app token get', services.appToken.get(config.appTokenId), vendorKs);
  facts.tokenStatus = token.status;

  // 2. the pending jobs
  const filter = new objects.EntryVendorTaskFilter({
    statusEqual: enums.EntryVendorTaskStatus.PENDING,
    vendorPartnerIdEqual: config.partnerId,
  });
  const pager = new objects.FilterPager({ pageSize: 500, pageIndex: 1 });
  const jobs = await call('getJobs', services.entryVendorTask.getJobs(filter, pager), vendorKs);
  facts.pendingIds = jobs.objects.map((task) => task.id);
  const job = jobs.objects.find((task) => task.id === String(config.taskId));
  if (!job) throw new Error(`task ${config.taskId} is not among the pending jobs`);
  const key = job.accessKey;

  // 3. the task with its catalog item and REACH profile, on the task's accessKey
  const profile = new objects.ResponseProfileHolder({ systemName: 'reach_vendor' });
  const task = await call(
    'task get (reach_vendor)',
    services.entryVendorTask.get(job.id).setResponseProfile(profile),
    key,
  );
  facts.relatedObjects = Object.keys(task.relatedObjects || {}).sort();
  const item = task.relatedObjects.reach_vendor_catalog_item.objects[0];
  facts.catalogItem = { objectType: item.objectType, outputFormat: item.outputFormat, serviceType: item.serviceType };
  const missing = await call('missing task', services.entryVendorTask.get('999999'), key, { error: true });
  facts.missingTaskError = missing.code;

  // 4. the entry and its flavors in one multirequest, then the smallest flavor's bytes
  const flavorFilter = new objects.AssetFilter({ entryIdEqual: task.entryId });
  const [entry, flavors] = await call(
    'entry + flavors (multirequest)',
    services.baseEntry.get(task.entryId).add(services.flavorAsset.listAction(flavorFilter)),
    key,
  );
  facts.entry = { id: entry.id, objectType: entry.objectType, status: entry.status, duration: entry.duration };
  const smallest = flavors.objects.filter((f) => f.status === 2).sort((a, b) => a.sizeInBytes - b.sizeInBytes)[0];
  const flavorUrl = await call('flavor url', services.flavorAsset.getUrl(smallest.id), key);
  const media = Buffer.from(await (await fetch(flavorUrl)).arrayBuffer());
  facts.flavor = { id: smallest.id, sizeInBytes: smallest.sizeInBytes, downloaded: media.length };

  // 5. PROCESSING (vendor KS), then the captions: asset, upload token, upload, setContent
  const processing = await call(
    'PROCESSING',
    services.entryVendorTask.updateJob(job.id, new objects.EntryVendorTask({ status: 3 })),
    vendorKs,
  );
  facts.processing = processing.status;
  // deliver once: a caption asset this task already made carries its tag
  const tag = `reach-task-${job.id}`;
  const existing = await call(
    'caption assets of the entry',
    services.captionAsset.listAction(new objects.CaptionAssetFilter({ entryIdEqual: task.entryId, tagsLike: tag })),
    key,
  );
  facts.existingCaptions = existing.totalCount;
  const asset = await call(
    'caption asset add',
    services.captionAsset.add(
      task.entryId,
      new objects.CaptionAsset({ language: 'English', format: enums.CaptionType.SRT, label: 'English', tags: tag }),
    ),
    key,
  );
  const upload = await call('upload token add', services.uploadToken.add(new objects.UploadToken({ fileName: 'captions.srt' })), key);
  const srt = Buffer.from(SRT, 'utf8');
  const uploaded = await call('upload', services.uploadToken.upload(upload.id, srt, false, true, -1), key, {
    files: { fileData: srt.toString('base64') },
  });
  facts.uploadedFileSize = uploaded.uploadedFileSize;
  const filled = await call(
    'caption setContent',
    services.captionAsset.setContent(asset.id, new objects.UploadedFileTokenResource({ token: upload.id })),
    key,
  );
  facts.caption = { id: filled.id, status: filled.status, language: filled.language, format: filled.format };
  const captionUrl = await call('caption url', services.captionAsset.getUrl(asset.id), key);
  facts.captionText = await (await fetch(captionUrl)).text();

  // 6. READY with the output, then the vendor's own view of the task
  const ready = await call(
    'READY',
    services.entryVendorTask.updateJob(
      job.id,
      new objects.EntryVendorTask({ status: 2, outputObjectId: asset.id, accuracy: 95 }),
    ),
    vendorKs,
  );
  facts.ready = { status: ready.status, outputObjectId: ready.outputObjectId, accuracy: ready.accuracy };
  const seen = await call(
    'vendor list',
    services.entryVendorTask.listAction(new objects.EntryVendorTaskFilter({ idEqual: job.id, statusIn: '1,2,3,4' })),
    vendorKs,
  );
  facts.seen = seen.objects.map((t) => ({ id: t.id, status: t.status, outputObjectId: t.outputObjectId }));
  return facts;
}

main().then(
  (facts) => {
    process.stdout.write(JSON.stringify({ ok: true, facts, calls }));
  },
  (err) => {
    const reason = err && err.message ? err.message : JSON.stringify(err);
    process.stdout.write(JSON.stringify({ ok: false, error: reason, calls }));
    process.exitCode = 1;
  },
);
