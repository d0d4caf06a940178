#include "scratchfs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

/* statfs f_type -> the name an fs= qualifier uses.  One entry per
 * filesystem; ext2/3/4 share a magic number, so "ext4" stands for all
 * three.  gVisor reports its own: its rootfs overlay (runsc do) says
 * overlay, its tmpfs says tmpfs, and a gofer (bind) mount 9p. */
static const struct {
	const char *name;
	unsigned long magic;
} filesystems[] = {
	{"ext4", 0xef53},        {"tmpfs", 0x01021994},  {"overlay", 0x794c7630}, {"9p", 0x01021997},
	{"btrfs", 0x9123683e},   {"xfs", 0x58465342},    {"nfs", 0x6969},         {"fuse", 0x65735546},
	{"f2fs", 0xf2f52010},    {"zfs", 0x2fc12fc1},    {"ramfs", 0x858458f6},   {"virtiofs", 0x6a656a63},
};

#define NFS (sizeof filesystems / sizeof filesystems[0])

const char *scratchfs_of(const char *dir, char *detail, size_t n)
{
	struct statfs s;
	if (statfs(dir, &s) < 0) {
		snprintf(detail, n, "statfs %s: %s", dir, strerror(errno));
		return NULL;
	}
	/* f_type is a signed word on some ABIs: compare its low 32 bits */
	unsigned long magic = (unsigned long)s.f_type & 0xffffffffUL;
	snprintf(detail, n, "f_type 0x%lx", magic);
	for (size_t i = 0; i < NFS; i++)
		if (filesystems[i].magic == magic)
			return filesystems[i].name;
	return "unknown";
}

bool scratchfs_known(const char *name)
{
	for (size_t i = 0; i < NFS; i++)
		if (strcmp(filesystems[i].name, name) == 0)
			return true;
	return false;
}

const char *scratchfs_names(void)
{
	static char names[256];
	if (!names[0]) {
		size_t at = 0;
		for (size_t i = 0; i < NFS && at < sizeof names; i++)
			at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", i ? " " : "", filesystems[i].name);
	}
	return names;
}
