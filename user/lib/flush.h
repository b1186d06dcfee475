/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU cache maintenance (flush.c). Declared here, with no other libfamfs
 * header, so that flush.c builds on its own (the arm64 cross-build test);
 * libfamfs.h declares the same functions for library users.
 */
#ifndef FAMFS_FLUSH_H
#define FAMFS_FLUSH_H

#include <stddef.h>

void famfs_flush(const void *addr, size_t len);
void famfs_invalidate(const void *addr, size_t len);
size_t famfs_cache_line_size(void);
/* A mapping of fd at addr: if the file is DAX, famfs_flush skips msync. */
void famfs_flush_note_map(int fd, const void *addr, size_t len);
void famfs_flush_forget_map(const void *addr);

#endif /* FAMFS_FLUSH_H */
