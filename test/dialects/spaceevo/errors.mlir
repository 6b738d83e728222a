// RUN: spaceevo-opt %s -split-input-file -verify-diagnostics

// Every verifier error of the spaceevo dialect, with its location.

// Resolutions out of order.
// expected-error @below {{resolutions must be strictly increasing}}
spaceevo.hyperspace @tiny resolutions [64, 32] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// A zero resolution.
// expected-error @below {{resolutions must be positive}}
spaceevo.hyperspace @tiny resolutions [0, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// No stem.
// expected-error @below {{must begin with a 'spaceevo.stem'}}
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// No head.
// expected-error @below {{must end with a 'spaceevo.head'}}
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
}

// -----

// A gap in stage numbers.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{is numbered 2 but stages must be numbered 0, 1, 2, ... in order; expected 1}}
spaceevo.stage 2 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// A fixed stage after a searchable one.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{is fixed but follows a searchable stage}}
spaceevo.stage 1 fixed stride 2 widths [16, 24, 32] step 8 window 3 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Every stage fixed.
// expected-error @below {{has no searchable (non-fixed) stage}}
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 fixed stride 2 widths [16, 24, 32] step 8 window 3 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// A second stem.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  // expected-error @below {{is not allowed between the stem and the head of a hyperspace}}
spaceevo.stem kernel 3 stride 2 widths [8] act relu
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Even stem kernel.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  // expected-error @below {{kernel must be 1, 3, 5 or 7, got 4}}
spaceevo.stem kernel 4 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Stem stride 3.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  // expected-error @below {{stride must be 1 or 2, got 3}}
spaceevo.stem kernel 3 stride 3 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Stem widths out of order.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  // expected-error @below {{widths must be strictly increasing, got 16 then 8}}
spaceevo.stem kernel 3 stride 2 widths [16, 8] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Empty head.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  // expected-error @below {{final_expand, feature_mix and classes must be positive}}
spaceevo.head final_expand 0 feature_mix 96 classes 10 act relu
}

// -----

// Stage stride 4.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{stride must be 1 or 2, got 4}}
spaceevo.stage 1 stride 4 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Widths off the step.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{widths 24 and 40 are not 8 apart, as step 8 requires}}
spaceevo.stage 1 stride 2 widths [16, 24, 40] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Zero step.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{step must be positive, got 0}}
spaceevo.stage 1 stride 2 widths [16, 24, 32] step 0 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Window larger than the width list.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{window 4 must be between 1 and the number of widths (3)}}
spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 4 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// No depth choice.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{depths must not be empty}}
spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Zero depth.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{depths must be positive, got 0}}
spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [0, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Candidate numbers with a gap.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    // expected-error @below {{is numbered 2 but candidates must be numbered 0, 1, 2, ... in order; expected 1}}
spaceevo.candidate 2 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// The same block twice.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    // expected-error @below {{repeats block 'mbv1_dual' in stage 1}}
spaceevo.candidate 1 = mbv1_dual kernels [3]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// A stage without candidates.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  // expected-error @below {{stage 1 has no candidate block}}
spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// A fixed stage with several windows.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  // expected-error @below {{is fixed, so its window must cover all its widths}}
spaceevo.stage 0 fixed stride 1 widths [8, 16] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// A space inside a stage.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    // expected-error @below {{is not allowed in a stage; only 'spaceevo.candidate' is}}
spaceevo.space "tiny-0-0"
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// No kernel.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    // expected-error @below {{kernels must not be empty}}
spaceevo.candidate 0 = mbv1_dual kernels []
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Kernel 9.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    // expected-error @below {{kernel must be 1, 3, 5 or 7, got 9}}
spaceevo.candidate 0 = mbv1_dual kernels [3, 9]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Kernels out of order.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    // expected-error @below {{kernels must be strictly increasing}}
spaceevo.candidate 0 = mbv1_dual kernels [5, 3]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// An expansion for MBv1-Dual.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    // expected-error @below {{block 'mbv1_dual' takes no expansion ratio}}
spaceevo.candidate 0 = mbv1_dual kernels [3, 5] expands [2]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// MBv2 without expansions.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    // expected-error @below {{block 'mbv2_res' needs its expansion choices ('expands [...]')}}
spaceevo.candidate 1 = mbv2_res kernels [3]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// A zero expansion.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    // expected-error @below {{expansion ratios must be positive, got 0}}
spaceevo.candidate 1 = mbv2_res kernels [3] expands [0, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Expansions out of order.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    // expected-error @below {{expansion ratios must be strictly increasing}}
spaceevo.candidate 1 = mbv2_res kernels [3] expands [6, 4]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}

// -----

// Block digit out of range names the stage.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// expected-error @below {{stage 1: block digit 2 is out of range (the stage has 2 candidate blocks, 0-1)}}
spaceevo.space "tiny-2-0"

// -----

// Window digit out of range names the stage.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// expected-error @below {{stage 1: window digit 2 is out of range (the stage has 2 windows, 0-1)}}
spaceevo.space "tiny-1-2"

// -----

// Too many digits.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// expected-error @below {{space 'tiny-11-00' has 2 stages but hyperspace 'tiny' has 1 searchable stages}}
spaceevo.space "tiny-11-00"

// -----

// Unknown hyperspace.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// expected-error @below {{refers to hyperspace @other, which is not defined in this module}}
spaceevo.space "other-1-0"

// -----

// Layer with an even kernel.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Layer with an even kernel.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{kernel must be 1, 3, 5 or 7, got 4}}
  spaceevo.layer stage 1 mbv1_dual kernel 4 width 16 stride 2
}

// -----

// Layer with stride 0.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Layer with stride 0.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{stride must be 1 or 2, got 0}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 0
}

// -----

// Layer with width 0.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Layer with width 0.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{width must be positive, got 0}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 0 stride 2
}

// -----

// MBv2 layer without expansion.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// MBv2 layer without expansion.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{block 'mbv2_res' needs an expansion ratio ('expand ...')}}
  spaceevo.layer stage 1 mbv2_res kernel 3 width 16 stride 2
}

// -----

// MBv1-Dual layer with expansion.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// MBv1-Dual layer with expansion.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{block 'mbv1_dual' takes no expansion ratio}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 expand 2 stride 2
}

// -----

// Negative expansion.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Negative expansion.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{expansion ratio must be positive}}
  spaceevo.layer stage 1 mbv2_res kernel 3 width 16 expand -1 stride 2
}

// -----

// Resolution not in the hyperspace.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Resolution not in the hyperspace.
// expected-error @below {{resolution 48 is not one of [32, 64]}}
spaceevo.network @n of @tiny resolution 48 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Stem width not in the hyperspace.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Stem width not in the hyperspace.
// expected-error @below {{stem width 12 is not one of [8, 16]}}
spaceevo.network @n of @tiny resolution 64 stem 12 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Unknown hyperspace.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Unknown hyperspace.
// expected-error @below {{refers to hyperspace @nope, which is not defined in this module}}
spaceevo.network @n of @nope resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Missing stage.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Missing stage.
// expected-error @below {{the network has no layer in stage 1}}
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
}

// -----

// Stages out of order.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Stages out of order.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  // expected-error @below {{the network has no layer in stage 0}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
}

// -----

// Too deep.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Too deep.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{stage 1 has 3 layers; its depths are [1, 2]}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
  spaceevo.layer stage 1 mbv1_dual kernel 5 width 24 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 24 stride 1
}

// -----

// Block not in the stage's pool.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Block not in the stage's pool.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{stage 1 has no candidate block 'resnet'}}
  spaceevo.layer stage 1 resnet kernel 3 width 16 expand 1 stride 2
}

// -----

// Two block types in one stage.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Two block types in one stage.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
  // expected-error @below {{stage 1 mixes block types 'mbv1_dual' and 'mbv2_res'; a stage uses one block type}}
  spaceevo.layer stage 1 mbv2_res kernel 3 width 24 expand 4 stride 1
}

// -----

// Kernel not a choice.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Kernel not a choice.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{kernel 7 is not a choice of 'mbv1_dual' in stage 1 (kernels [3, 5])}}
  spaceevo.layer stage 1 mbv1_dual kernel 7 width 16 stride 2
}

// -----

// Expansion not a choice.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Expansion not a choice.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{expansion 8 is not a choice of 'mbv2_res' in stage 1 (expands [4, 6])}}
  spaceevo.layer stage 1 mbv2_res kernel 3 width 16 expand 8 stride 2
}

// -----

// Width off the list.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Width off the list.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{width 20 is not in the width list of stage 1 [16, 24, 32]}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 20 stride 2
}

// -----

// First layer with the wrong stride.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// First layer with the wrong stride.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{layer 0 of stage 1 must have stride 2, not 1}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 1
}

// -----

// Later layer with stride 2.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Later layer with stride 2.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
  // expected-error @below {{layer 1 of stage 1 must have stride 1, not 2}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 24 stride 2
}

// -----

// Widths wider than a window.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Widths wider than a window.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{the widths of stage 1 span 3 entries of its width list, more than its window of 2}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 32 stride 1
}

// -----

// Block differs from the space's.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Block differs from the space's.
spaceevo.network @n of @tiny resolution 64 stem 8 space "tiny-1-0" {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{stage 1 uses block 'mbv1_dual' but the space picks 'mbv2_res'}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Width outside the space's window.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Width outside the space's window.
spaceevo.network @n of @tiny resolution 64 stem 8 space "tiny-0-1" {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  // expected-error @below {{width 16 is outside window 1 of stage 1}}
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Space of another hyperspace.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Space of another hyperspace.
// expected-error @below {{space "other-0-0" is not a space of @tiny}}
spaceevo.network @n of @tiny resolution 64 stem 8 space "other-0-0" {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// A stage the hyperspace lacks.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// A stage the hyperspace lacks.
spaceevo.network @n of @tiny resolution 64 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
  // expected-error @below {{layer in stage 2, which the hyperspace does not have (or is out of order)}}
  spaceevo.layer stage 2 mbv1_dual kernel 3 width 24 stride 1
}

// -----

// Input channels no previous stage produces.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Input channels no previous stage produces.
// expected-error @below {{input channels 12 cannot feed stage 1 (the previous stage's widths are [8])}}
spaceevo.substage @r of @tiny stage 1 channels 12 size 32 {
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Input size no resolution gives.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Input size no resolution gives.
// expected-error @below {{input size 20 is not the input size of stage 1 at any resolution of [32, 64]}}
spaceevo.substage @r of @tiny stage 1 channels 8 size 20 {
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Window out of range.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Window out of range.
// expected-error @below {{window 2 is out of range for stage 1 (2 windows)}}
spaceevo.substage @r of @tiny stage 1 channels 8 size 32 window 2 {
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Stage the hyperspace lacks.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Stage the hyperspace lacks.
// expected-error @below {{hyperspace 'tiny' has no stage 3}}
spaceevo.substage @r of @tiny stage 3 channels 8 size 32 {
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}

// -----

// Empty sub-stage.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Empty sub-stage.
// expected-error @below {{a sub-stage needs at least one layer}}
spaceevo.substage @r of @tiny stage 1 channels 8 size 32 {
}

// -----

// Layer of another stage.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// Layer of another stage.
spaceevo.substage @r of @tiny stage 1 channels 8 size 32 {
  // expected-error @below {{layer of stage 0 in a sub-stage of stage 1}}
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
}

// -----

// Malformed encoding.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// expected-error @below {{space encoding 'tiny10' is not of the form <hyperspace>-<block digits>-<window digits>}}
spaceevo.space "tiny10"

// -----

// Unequal digit counts.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// expected-error @below {{space encoding 'tiny-1-00' must have as many window digits as block digits}}
spaceevo.space "tiny-1-00"

// -----

// Non-digit.
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act relu
}
// expected-error @below {{space encoding 'tiny-x-0' has a non-digit in position 1 of its block or window digits}}
spaceevo.space "tiny-x-0"

// -----

// Unknown block type.
spaceevo.hyperspace @h resolutions [32] {
  spaceevo.stem kernel 3 stride 2 widths [8] act relu
  spaceevo.stage 0 stride 1 widths [8] window 1 depths [1] {
    // expected-error @below {{expected string or keyword containing one of the following enum values for attribute 'block' [mbv1_dual, mbv2_res, mbv3_res_hswish, mbv3_res_swish, resnet, resnet_se, fused_mbconv, fused_mbconv_se, mbv3_k3_res, mbv2_k3_res, mbv2]}}
    spaceevo.candidate 0 = mbv4 kernels [3]
  }
  spaceevo.head final_expand 8 feature_mix 8 classes 2 act relu
}

// -----

// Unknown activation.
spaceevo.hyperspace @h resolutions [32] {
  // expected-error @below {{expected string or keyword containing one of the following enum values for attribute 'act' [none, relu, relu6, hswish, swish, hsigmoid]}}
  spaceevo.stem kernel 3 stride 2 widths [8] act gelu
}

// -----

// A kernel whose body takes other arguments than its inputs.
func.func @kernel_arity(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @below {{'spaceevo.kernel' op has 1 inputs but its body takes 2 arguments}}
  %0 = spaceevo.kernel "add" "sig" (%x) : (tensor<4xi8>) -> tensor<4xi8> {
  ^bb0(%a: tensor<4xi8>, %b: tensor<4xi8>):
    spaceevo.yield %a : tensor<4xi8>
  }
  return %0 : tensor<4xi8>
}

// -----

func.func @kernel_argument_type(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @below {{'spaceevo.kernel' op input of type 'tensor<4xi8>' does not match body argument of type 'tensor<4xi32>'}}
  %0 = spaceevo.kernel "add" "sig" (%x) : (tensor<4xi8>) -> tensor<4xi8> {
  ^bb0(%a: tensor<4xi32>):
    %c = "tosa.const"() <{value = dense<0> : tensor<4xi8>}> : () -> tensor<4xi8>
    spaceevo.yield %c : tensor<4xi8>
  }
  return %0 : tensor<4xi8>
}

// -----

func.func @kernel_yield_type(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @below {{'spaceevo.kernel' op yields values whose types differ from its results}}
  %0 = spaceevo.kernel "add" "sig" (%x) : (tensor<4xi8>) -> tensor<4xi8> {
  ^bb0(%a: tensor<4xi8>):
    %c = "tosa.const"() <{value = dense<0> : tensor<4xi32>}> : () -> tensor<4xi32>
    spaceevo.yield %c : tensor<4xi32>
  }
  return %0 : tensor<4xi8>
}
