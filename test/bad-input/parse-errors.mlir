// RUN: spaceevo-opt %s -split-input-file -verify-diagnostics

// A corpus of malformed spaceevo IR: each is a diagnostic at its location,
// never a crash.

// expected-error @below {{custom op 'spaceevo.hyperspace' expected 'resolutions'}}
spaceevo.hyperspace @h {
}

// -----

// expected-error @below {{expected valid '@'-identifier for symbol name}}
spaceevo.hyperspace h resolutions [32] {
}

// -----

spaceevo.hyperspace @h resolutions [32] {
  // expected-error @below {{expected attribute value}}
  spaceevo.stem kernel three stride 2 widths [8] act relu
}

// -----

spaceevo.hyperspace @h resolutions [32] {
  spaceevo.stem kernel 3 stride 2 widths [8] act relu
  spaceevo.stage 0 stride 1 widths [8] window 1 depths [1] {
    // expected-error @below {{expected floating point literal}}
    spaceevo.candidate 0 = mbv2_res kernels [3] expands [four]
  }
  spaceevo.head final_expand 8 feature_mix 8 classes 2 act relu
}

// -----

spaceevo.hyperspace @h resolutions [32] {
  spaceevo.stem kernel 3 stride 2 widths [8] act relu
  spaceevo.stage 0 stride 1 widths [8] window 1 depths [1] {
    // expected-error @below {{integer value too large}}
    spaceevo.candidate 0 = mbv2_res kernels [99999999999999999999999] expands [4]
  }
  spaceevo.head final_expand 8 feature_mix 8 classes 2 act relu
}

// -----

// expected-error @below {{expected string}}
spaceevo.space onnxw-123450-012330

// -----

// expected-error @below {{space encoding '' is not of the form <hyperspace>-<block digits>-<window digits>}}
spaceevo.space ""

// -----

// An unknown op of our dialect.
// expected-error @below {{custom op 'spaceevo.subnet' is unknown}}
spaceevo.subnet @n

// -----

// A layer outside a network.
// expected-error @below {{'spaceevo.layer' op expects parent op to be one of 'spaceevo.network, spaceevo.substage'}}
spaceevo.layer stage 1 mbv2_res kernel 3 width 16 expand 4 stride 2

// -----

// A candidate outside a stage.
// expected-error @below {{'spaceevo.candidate' op expects parent op 'spaceevo.stage'}}
spaceevo.candidate 0 = mbv2_res kernels [3] expands [4]

// -----

// expected-note @below {{see existing symbol definition here}}
spaceevo.hyperspace @h resolutions [32] {
  spaceevo.stem kernel 3 stride 2 widths [8] act relu
  spaceevo.stage 0 stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2_res kernels [3] expands [4]
  }
  spaceevo.head final_expand 8 feature_mix 8 classes 2 act relu
}
// A network whose symbol is taken by the hyperspace.
// expected-error @below {{redefinition of symbol named 'h'}}
spaceevo.network @h of @h resolution 32 stem 8 {
  spaceevo.layer stage 0 mbv2_res kernel 3 width 8 expand 4 stride 1
}

// -----

// A reference to something that is not a hyperspace.
// expected-error @below {{refers to hyperspace @other, which is not defined in this module}}
spaceevo.network @other of @other resolution 32 stem 8 {
}
