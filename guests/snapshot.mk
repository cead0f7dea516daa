# The counter guest (snapshot tests) also links its real-mode AP
# trampoline, as smp.mk does for smp; read after guests.mk.

COUNTER_OBJ := $(GUEST_OBJDIR)/g_counter.o $(GUEST_OBJDIR)/counter_tramp.o

$(BUILD)/guests/counter.elf: $(COUNTER_OBJ) $(GUEST_LIB_OBJ) $(GUEST_DIR)/guest.ld
	$(CC) $(GUEST_LDFLAGS) -o $@ $(COUNTER_OBJ) $(GUEST_LIB_OBJ)
