/* SPDX-License-Identifier: GPL-2.0 */
/* famfs subcommands: each lives in its own cmd_<name>.c. */
#ifndef FAMFS_CLI_CMDS_H
#define FAMFS_CLI_CMDS_H

int cmd_mount(int argc, char **argv);
int cmd_mount_famfs(int argc, char **argv);	/* mount.famfs DEV MPT [-o] */
int cmd_fsck(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_logplay(int argc, char **argv);
int cmd_mkdir(int argc, char **argv);
int cmd_creat(int argc, char **argv);
int cmd_cp(int argc, char **argv);
int cmd_getmap(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_chkread(int argc, char **argv);
int cmd_clone(int argc, char **argv);
int cmd_mkmeta(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_fsdev_mode(int argc, char **argv);	/* cmd_daxmode.c */
int cmd_rm(int argc, char **argv);
int cmd_rmdir(int argc, char **argv);		/* cmd_rm.c */
int cmd_host(int argc, char **argv);
int cmd_umount(int argc, char **argv);

#endif /* FAMFS_CLI_CMDS_H */
