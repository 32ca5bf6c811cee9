package schedule

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// TestDirectoryFollowsEveryChangeOnEveryServer: two services sharing one
// cache stand for two servers; what one changes, the other's directory
// shows at its next read, although each keeps its directory in memory.
func TestDirectoryFollowsEveryChangeOnEveryServer(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := setup(t, d, "America/Sao_Paulo")
		b := &testBundle{svc: NewService(d, a.svc.cache), db: d, ctx: a.ctx, clinicID: a.clinicID, owner: a.owner}

		pro := a.professional(t, "Dra. Ana", 30)
		room := a.room(t, "Sala 1")
		proc, err := a.svc.CreateProcedure(a.ctx, a.owner, ProcedureInput{Name: "Consulta", Color: "#AABBCC"})
		require.NoError(t, err)

		for _, s := range []*Service{a.svc, b.svc} {
			dir, err := s.Directory(a.ctx, a.clinicID)
			require.NoError(t, err)
			p, ok := dir.Professional(pro)
			require.True(t, ok)
			require.Equal(t, DirectoryProfessional{Name: "Dra. Ana"}, p)
			r, ok := dir.Room(room)
			require.True(t, ok)
			require.Equal(t, "Sala 1", r)
			pc, ok := dir.Procedure(proc.ID)
			require.True(t, ok)
			require.Equal(t, DirectoryProcedure{Name: "Consulta", Color: "#aabbcc"}, pc)
			_, ok = dir.ProfessionalOfUser(kernel.NewID())
			require.False(t, ok)
		}

		// A keeps its directory; B reads its own. Every change made on A
		// shows on B at once.
		user := a.member(t, kernel.RoleProfessional)
		_, err = a.svc.UpdateProfessional(a.ctx, a.owner, pro, ProfessionalPatch{Name: kernel.Some("Dra. Ana Lima"), UserID: kernel.Some(user)})
		require.NoError(t, err)
		_, err = a.svc.UpdateRoom(a.ctx, a.owner, room, RoomPatch{Name: kernel.Some("Consultório 1")})
		require.NoError(t, err)
		_, err = a.svc.UpdateProcedure(a.ctx, a.owner, proc.ID, ProcedurePatch{Color: kernel.Some("#112233")})
		require.NoError(t, err)
		room2 := a.room(t, "Sala 2")

		dir, err := b.svc.Directory(b.ctx, b.clinicID)
		require.NoError(t, err)
		p, _ := dir.Professional(pro)
		require.Equal(t, DirectoryProfessional{Name: "Dra. Ana Lima", UserID: user}, p)
		own, ok := dir.ProfessionalOfUser(user)
		require.True(t, ok)
		require.Equal(t, pro, own)
		r, _ := dir.Room(room)
		require.Equal(t, "Consultório 1", r)
		r2, ok := dir.Room(room2)
		require.True(t, ok)
		require.Equal(t, "Sala 2", r2)
		pc, _ := dir.Procedure(proc.ID)
		require.Equal(t, "#112233", pc.Color)

		// Another clinic's directory holds none of it.
		other := setupWithCache(t, d, a.svc.cache, "America/Sao_Paulo")
		odir, err := other.svc.Directory(other.ctx, other.clinicID)
		require.NoError(t, err)
		_, ok = odir.Professional(pro)
		require.False(t, ok)
	})
}

// TestDirectoryWithoutCacheReadsTheDatabase: a service without a cache
// (or whose cache cannot answer) reads the directory every time.
func TestDirectoryWithoutCache(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := setup(t, d, "America/Sao_Paulo")
		plain := NewService(d, nil)
		pro := a.professional(t, "Dr. Bruno", 30)
		dir, err := plain.Directory(a.ctx, a.clinicID)
		require.NoError(t, err)
		p, ok := dir.Professional(pro)
		require.True(t, ok)
		require.Equal(t, "Dr. Bruno", p.Name)
		_, err = a.svc.UpdateProfessional(a.ctx, a.owner, pro, ProfessionalPatch{Name: kernel.Some("Dr. Bruno Reis")})
		require.NoError(t, err)
		dir, err = plain.Directory(a.ctx, a.clinicID)
		require.NoError(t, err)
		p, _ = dir.Professional(pro)
		require.Equal(t, "Dr. Bruno Reis", p.Name)
	})
}
