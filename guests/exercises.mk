# guests/exercises/: graded exercises on the tiny guest library. Each
# guests/exercises/NAME/exercise.c (the student's) becomes
# build/exercises/work/NAME.elf, each guests/exercises/solutions/NAME.c
# build/exercises/solutions/NAME.elf, linked like the tiny guests.
# `make exercises` grades the student's; `make test` checks that the
# solutions pass and the untouched exercises fail (suite_exercises.sh).

EX_DIR		:= guests/exercises
EX_NAMES	:= $(patsubst $(EX_DIR)/%/exercise.c,%,$(wildcard $(EX_DIR)/*/exercise.c))
EX_WORK		:= $(EX_NAMES:%=$(BUILD)/exercises/work/%.elf)
EX_SOLUTIONS	:= $(EX_NAMES:%=$(BUILD)/exercises/solutions/%.elf)

# The tiny guests' variables come from guests/guests.mk, which may be
# read after this file: expanded a second time, when the rule is used.
.SECONDEXPANSION:
$(BUILD)/exercises/work/%.elf: $(EX_DIR)/%/exercise.c $$(GUEST_LIB_OBJ) \
			       $$(GUEST_DIR)/guest.ld
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $(@:.elf=.o)
	$(CC) $(GUEST_LDFLAGS) -o $@ $(@:.elf=.o) $(GUEST_LIB_OBJ)

$(BUILD)/exercises/solutions/%.elf: $(EX_DIR)/solutions/%.c $$(GUEST_LIB_OBJ) \
				    $$(GUEST_DIR)/guest.ld
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $(@:.elf=.o)
	$(CC) $(GUEST_LDFLAGS) -o $@ $(@:.elf=.o) $(GUEST_LIB_OBJ)

exercise-guests: $(EX_WORK) $(EX_SOLUTIONS)
tiny-guests: exercise-guests

exercises: squeeze $(EX_WORK)
	$(EX_DIR)/grade.sh work

.PHONY: exercises exercise-guests
