/* SPDX-License-Identifier: MIT */
/*
 * squeeze's exec init (guests/exec-init), built by make and carried
 * inside the squeeze binary, so that `squeeze exec` needs no file of its
 * own at run time. EXEC_INIT_PATH comes from guests/exec-init.mk.
 */
	.section .rodata
	.balign 16
	.global exec_init_blob
	.global exec_init_blob_end
exec_init_blob:
	.incbin EXEC_INIT_PATH
exec_init_blob_end:
	.section .note.GNU-stack, "", @progbits
