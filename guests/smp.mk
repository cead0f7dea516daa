# The smp tiny guest also links its real-mode AP trampoline, which the
# generic rule in guests/guests.mk (g_<name>.o + the library) does not.
# This explicit rule wins over that pattern rule; it uses guests.mk's
# variables, so it must be read after it (the top Makefile includes
# guests/*.mk in sorted order).

SMP_OBJ := $(GUEST_OBJDIR)/g_smp.o $(GUEST_OBJDIR)/smp_tramp.o

$(BUILD)/guests/smp.elf: $(SMP_OBJ) $(GUEST_LIB_OBJ) $(GUEST_DIR)/guest.ld
	$(CC) $(GUEST_LDFLAGS) -o $@ $(SMP_OBJ) $(GUEST_LIB_OBJ)
