package app

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestMemoryLimitIsTheCgroupsOrTheMachines(t *testing.T) {
	t.Parallel()
	const meminfo = "MemTotal:        4194304 kB\nMemFree:          100000 kB\n" // 4 GiB
	tests := []struct {
		name       string
		files      map[string]string
		want       float64
		wantSource string
		wantErr    bool
	}{
		{"cgroup v2 limit", map[string]string{"sys/fs/cgroup/memory.max": "1073741824\n"}, 1 << 30, "cgroup", false},
		{"cgroup v2 without a limit", map[string]string{"sys/fs/cgroup/memory.max": "max\n"}, 4 << 30, "meminfo", false},
		{"cgroup v1 limit", map[string]string{"sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n"}, 512 << 20, "cgroup", false},
		{"cgroup v1 without a limit", map[string]string{"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 4 << 30, "meminfo", false},
		{"limit above the machine's memory", map[string]string{"sys/fs/cgroup/memory.max": "17179869184\n"}, 4 << 30, "meminfo", false},
		{"no cgroup", nil, 4 << 30, "meminfo", false},
		{"no meminfo", map[string]string{"proc/meminfo": ""}, 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{"proc/meminfo": {Data: []byte(meminfo)}}
			for name, data := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			got, source, err := memoryLimit(fsys)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantSource, source)
		})
	}
}
