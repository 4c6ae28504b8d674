package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/datafn/datafn-go/protocol"
	"github.com/datafn/datafn-go/value"
)

const remote = `"remote":"http://h/datafn"`

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name, rest string
		code       protocol.Code
		msg, path  string
	}{
		{"CFG2_SyncNeedsRemote", `"sync":{}`, protocol.CodeInvalid,
			"Invalid client config: remote or remoteAdapter is required in sync mode", "sync"},
		{"CFG3_OfflinabilityNeedsStorage", `"sync":{` + remote + `,"offlinability":true}`, protocol.CodeInvalid,
			"Invalid client config: storage is required when offlinability is true", "storage"},
		{"CFG4_PullBatchNegative", `"sync":{` + remote + `,"pullBatchSize":-1}`, protocol.CodeInvalid,
			"Invalid client config: pullBatchSize must be a positive integer between 10 and 10000", "sync.pullBatchSize"},
		{"CFG4_PullBatch5", `"sync":{` + remote + `,"pullBatchSize":5}`, protocol.CodeInvalid,
			"Invalid client config: pullBatchSize must be a positive integer between 10 and 10000", "sync.pullBatchSize"},
		{"CFG4_PullBatch20000", `"sync":{` + remote + `,"pullBatchSize":20000}`, protocol.CodeInvalid,
			"Invalid client config: pullBatchSize must be a positive integer between 10 and 10000", "sync.pullBatchSize"},
		{"CFG4_PullBatchFraction", `"sync":{` + remote + `,"pullBatchSize":100.5}`, protocol.CodeInvalid,
			"Invalid client config: pullBatchSize must be a positive integer between 10 and 10000", "sync.pullBatchSize"},
		{"CFG5_PushBatch501", `"sync":{` + remote + `,"pushBatchSize":501}`, protocol.CodeInvalid,
			"Invalid client config: pushBatchSize must be a positive integer between 1 and 500", "sync.pushBatchSize"},
		{"CFG6_UnknownBootResource", `"sync":{` + remote + `,"hydration":{"bootResources":["nope"]}}`,
			protocol.CodeUnknownResource, "Unknown resource: nope", "sync.hydration.bootResources[0]"},
		{"ClientIDEmpty", `"clientId":""`, protocol.CodeInvalid, "Invalid client config: clientId must be a non-empty string", "clientId"},
		{"StorageNotObject", `"storage":"x"`, protocol.CodeInvalid, "Invalid client config: storage must be an object", "storage"},
		{"StorageType", `"storage":{"type":"disk"}`, protocol.CodeInvalid,
			`Invalid client config: storage.type must be "indexeddb" or "memory"`, "storage.type"},
		{"StorageDBName", `"storage":{"dbName":""}`, protocol.CodeInvalid,
			"Invalid client config: storage.dbName must be a non-empty string", "storage.dbName"},
		{"SyncNotObject", `"sync":[]`, protocol.CodeInvalid, "Invalid client config: sync must be an object", "sync"},
		{"Mode", `"sync":{"mode":"x"}`, protocol.CodeInvalid, `Invalid client config: mode must be "sync" or "local-only"`, "sync.mode"},
		{"RemoteBeforeMissingRemote", `"sync":{"remote":"ftp://h"}`, protocol.CodeInvalid,
			"Invalid client config: remote must be an http or https URL", "sync.remote"},
		{"LocalOnlyNeedsStorage", `"sync":{"mode":"local-only"}`, protocol.CodeInvalid,
			"Invalid client config: storage is required in local-only mode", "storage"},
		{"Offlinability", `"sync":{` + remote + `,"offlinability":1}`, protocol.CodeInvalid,
			"Invalid client config: offlinability must be boolean", "sync.offlinability"},
		{"PushInterval", `"sync":{` + remote + `,"pushInterval":0}`, protocol.CodeInvalid,
			"Invalid client config: pushInterval must be a positive integer", "sync.pushInterval"},
		{"PushMaxRetries", `"sync":{` + remote + `,"pushMaxRetries":-1}`, protocol.CodeInvalid,
			"Invalid client config: pushMaxRetries must be a non-negative integer", "sync.pushMaxRetries"},
		{"RetryMultiplier", `"sync":{` + remote + `,"pushRetryBackoff":{"multiplier":0.5}}`, protocol.CodeInvalid,
			"Invalid client config: pushRetryBackoff.multiplier must be a number >= 1", "sync.pushRetryBackoff.multiplier"},
		{"RetryJitter", `"sync":{` + remote + `,"pushRetryBackoff":{"jitterMs":-1}}`, protocol.CodeInvalid,
			"Invalid client config: pushRetryBackoff.jitterMs must be a non-negative number", "sync.pushRetryBackoff.jitterMs"},
		{"IntervalMultiplier", `"sync":{` + remote + `,"pushIntervalBackoff":{"baseMultiplier":"2"}}`, protocol.CodeInvalid,
			"Invalid client config: pushIntervalBackoff.baseMultiplier must be a number >= 1", "sync.pushIntervalBackoff.baseMultiplier"},
		{"MaxPullIterations", `"sync":{` + remote + `,"maxPullIterations":0}`, protocol.CodeInvalid,
			"Invalid client config: maxPullIterations must be a positive integer", "sync.maxPullIterations"},
		{"HydrationObject", `"sync":{` + remote + `,"hydration":[]}`, protocol.CodeInvalid,
			"Invalid client config: hydration must be an object", "sync.hydration"},
		{"BackgroundArray", `"sync":{` + remote + `,"hydration":{"bootResources":["nope"],"backgroundResources":"task"}}`,
			protocol.CodeInvalid, "Invalid client config: hydration.backgroundResources must be an array of resource names",
			"sync.hydration.backgroundResources"},
		{"RemoteOnly", `"sync":{` + remote + `,"hydration":{"bootResources":["report"]}}`, protocol.CodeInvalid,
			"Invalid client config: report is remote-only", "sync.hydration.bootResources[0]"},
		{"UnknownBeforeRemoteOnly", `"sync":{` + remote + `,"hydration":{"bootResources":["report"],"backgroundResources":["x"]}}`,
			protocol.CodeUnknownResource, "Unknown resource: x", "sync.hydration.backgroundResources[0]"},
		{"InBoth", `"sync":{` + remote + `,"hydration":{"bootResources":["task"],"backgroundResources":["note","task"]}}`,
			protocol.CodeInvalid, "Invalid client config: task is in both bootResources and backgroundResources",
			"sync.hydration.backgroundResources[1]"},
		{"ClonePageSize", `"sync":{` + remote + `,"hydration":{"clonePageSize":0}}`, protocol.CodeInvalid,
			"Invalid client config: hydration.clonePageSize must be a positive integer", "sync.hydration.clonePageSize"},
		{"ClonePageSizeMapKey", `"sync":{` + remote + `,"hydration":{"clonePageSize":{"nope":5}}}`,
			protocol.CodeUnknownResource, "Unknown resource: nope", "sync.hydration.clonePageSize.nope"},
		{"ClonePageSizeMapValue", `"sync":{` + remote + `,"hydration":{"clonePageSize":{"task":1.5}}}`,
			protocol.CodeInvalid, "Invalid client config: hydration.clonePageSize must be a positive integer",
			"sync.hydration.clonePageSize.task"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(value.MustParse(cfgJSON(tc.rest)))
			requireErr(t, err, tc.code, tc.msg, tc.path)
		})
	}
}

func TestCFG1_SchemaFirst(t *testing.T) {
	_, err := ParseConfig(value.MustParse(`{"schema":{},"clientId":""}`))
	requireErr(t, err, protocol.CodeSchemaInvalid, "Invalid schema: missing resources", "resources")
}

func TestConfigDefaultsAndMerge(t *testing.T) {
	c, err := ParseConfig(value.MustParse(cfgJSON(`"storage":{"type":"memory"},"sync":{"remote":"https://h/datafn/",` +
		`"pullBatchSize":500,"pushRetryBackoff":{"baseDelayMs":100,"jitterMs":0},"hydration":{"clonePageSize":{"task":2}}}`)))
	require.NoError(t, err)
	require.Equal(t, "https://h/datafn", c.Remote)
	require.Equal(t, 500, c.PullBatchSize, "CFG-4: 500 is accepted")
	require.Equal(t, RetryBackoff{BaseDelayMs: 100, Multiplier: 2, MaxDelayMs: 60000, JitterMs: 0}, c.PushRetryBackoff)
	require.Equal(t, IntervalBackoff{BaseMultiplier: 2, MaxDelayMs: 300000, JitterMs: 1000}, c.PushIntervalBackoff)
	require.Equal(t, &StorageConfig{Type: "memory", DBName: DefaultDBName}, c.Storage)
	require.Equal(t, 2, c.Hydration.PageSize("task"))
	require.Equal(t, 1000, c.Hydration.PageSize("note"))
	require.Equal(t, 100, c.PushBatchSize)
	require.Equal(t, 3, c.PushMaxRetries)
	require.Equal(t, 50, c.MaxPullIterations)
	require.Equal(t, ModeSync, c.Mode)

	c, err = ParseConfig(value.MustParse(cfgJSON(`"storage":{},"sync":{"mode":"local-only"}`)))
	require.NoError(t, err)
	require.Equal(t, &StorageConfig{Type: StorageIndexedDB, DBName: DefaultDBName}, c.Storage)
}
